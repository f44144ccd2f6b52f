import Testing
import DenseLinearAlgebra

@Suite struct LQTests {
    @Test func orthonormalRowsReconstructAndSolve() throws {
        let k = 6, n = 80
        let a = randomMatrix(k, n, seed: 40)
        let lq = try LQFactorization(a)
        let l = lq.lower, q = lq.orthonormalRows
        for i in 0..<k { for j in (i + 1)..<k { #expect(l[i, j] == 0) } }
        #expect(maxDifference(naiveProduct(l, q), a) < 1e-13)
        #expect(maxDifference(naiveProduct(q, q.transposed), .identity(k)) < 1e-14)
        // solveLower: L (L⁻¹ B) = B.
        let b = randomMatrix(k, 9, seed: 41)
        var x = b
        lq.solveLower(&x)
        #expect(maxDifference(naiveProduct(l, x), b) < 1e-12)
    }

    @Test func dependentRowsAndBadShapesAreTypedErrors() {
        var a = randomMatrix(3, 10, seed: 42)
        for j in 0..<10 { a[2, j] = a[0, j] - 2 * a[1, j] }
        do {
            _ = try LQFactorization(a)
            Issue.record("dependent rows factored")
        } catch {
            #expect(error.reason == .rankDeficient(index: 2))
        }
        #expect(throws: LAPACKError.self) { try LQFactorization(randomMatrix(5, 4, seed: 43)) }
        #expect(throws: LAPACKError(routine: "dgeqrf", info: 0, reason: .nonFiniteInput)) { try LQFactorization(withNaN(randomMatrix(3, 6, seed: 44))) }
    }
}

@Suite struct GramSchmidtTests {
    @Test(arguments: [GramSchmidt.Reorthogonalization.whenNeeded, .always])
    func removesTheBasisComponents(_ mode: GramSchmidt.Reorthogonalization) throws {
        let k = 7, n = 200
        let v = try LQFactorization(randomMatrix(k, n, seed: 50)).orthonormalRows
        // A vector nearly inside span(V) (the hard case for one classical pass) and a generic one.
        let coefficients = randomMatrix(1, k, seed: 51)
        let noise = randomMatrix(1, n, seed: 52)
        let inside = naiveProduct(coefficients, v).elements.enumerated().map { $0.element + 1e-9 * noise.elements[$0.offset] }
        for original in [inside, noise.elements] {
            var w = original
            let h = GramSchmidt.orthogonalize(&w, againstFirst: k, rowsOf: v.elements, reorthogonalization: mode)
            let wRow = DenseMatrix(rows: 1, columns: n, elements: w)
            // V w = 0 relative to the input size, and w_in = Vᵀ h + w_out.
            #expect(maxAbs(naiveProduct(v, wRow.transposed)) < 1e-14 * maxAbs(DenseMatrix(rows: 1, columns: n, elements: original)) * Double(n))
            let rebuilt = DenseMatrix(rows: 1, columns: n, elements: zip(naiveProduct(DenseMatrix(rows: 1, columns: k, elements: h), v).elements, w).map { $0 + $1 })
            #expect(maxDifference(rebuilt, DenseMatrix(rows: 1, columns: n, elements: original)) < 1e-13)
        }
        // Only the first k rows count; k = 0 leaves w alone.
        var w = noise.elements
        #expect(GramSchmidt.orthogonalize(&w, againstFirst: 0, rowsOf: v.elements).isEmpty)
        #expect(w == noise.elements)
    }

    @Test func nanPropagates() throws {
        let v = try LQFactorization(randomMatrix(3, 20, seed: 53)).orthonormalRows
        var w = randomMatrix(1, 20, seed: 54).elements
        w[4] = .nan
        let h = GramSchmidt.orthogonalize(&w, againstFirst: 3, rowsOf: v.elements)
        #expect(h.contains { $0.isNaN })
    }
}
