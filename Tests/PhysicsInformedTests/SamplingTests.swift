import Testing
import TensorCore
import AutoDiff
import PhysicsInformed

@Suite struct SamplingTests {
    /// Hammersley points as DeepXDE 1.15 draws them (`Rectangle([0,0],[1,1]).random_points(500,
    /// random="Hammersley")` starts (0.5, 1/501), (0.25, 2/501), (0.75, 3/501), (0.125, 4/501),
    /// (0.625, 5/501), (0.375, 6/501); `Interval(-1,1)` with 16 points gives 0, −0.5, 0.5, −0.75, …, −0.9375).
    /// Resampling draws of the deterministic rules are Cranley–Patterson rotations: fresh at every
    /// call, inside the box, and the 15 points {k/16} stay on one shifted grid of spacing 1/16.
    @Test(arguments: [CollocationSampling.sobol, .hammersley])
    func freshSamplesAreRandomShifts(rule: CollocationSampling) {
        var generator = SeededRandomNumberGenerator(seed: 4)
        let first = rule.freshSample(count: 15, in: .interval(0, 1), generator: &generator)
        let second = rule.freshSample(count: 15, in: .interval(0, 1), generator: &generator)
        #expect(first != second)
        for points in [first, second] {
            #expect(points.allSatisfy { $0 >= 0 && $0 < 1 })
            let offsets = points.map { ($0 * 16).truncatingRemainder(dividingBy: 1) }
            #expect(offsets.allSatisfy { abs($0 - offsets[0]) < 1e-12 })
            #expect(Set(points.map { Int($0 * 16) }).count == 15)
        }
    }

    @Test func hammersleyMatchesDeepXDE() {
        var generator = SeededRandomNumberGenerator(seed: 0)
        let square = CollocationSampling.hammersley.sample(count: 500, in: Box(lower: [0, 0], upper: [1, 1]), generator: &generator)
        let first: [Double] = [0.5, 0.25, 0.75, 0.125, 0.625, 0.375]
        for (n, x) in first.enumerated() {
            #expect(square[2 * n] == x)
            #expect(abs(square[2 * n + 1] - Double(n + 1) / 501) < 1e-15)
        }
        let line = CollocationSampling.hammersley.sample(count: 16, in: .interval(-1, 1), generator: &generator)
        #expect(line == [0, -0.5, 0.5, -0.75, 0.25, -0.25, 0.75, -0.875, 0.125, -0.375, 0.625, -0.625, 0.375, -0.125, 0.875, -0.9375])
        // In 1-D the first 15 Sobol points (origin skipped) are the same set, the 16th differs.
        let sobol = CollocationSampling.sobol.sample(count: 15, in: .interval(-1, 1), generator: &generator)
        #expect(sobol.sorted() == line.prefix(15).sorted())
    }

    /// The first 2-D Sobol points (Joe–Kuo direction numbers; the same for every published table).
    @Test func sobolStartsWithTheKnownPoints() {
        var sequence = SobolSequence(dimension: 2)
        let expected: [[Double]] = [[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75], [0.375, 0.375], [0.875, 0.875],
                                    [0.625, 0.125], [0.125, 0.625]]
        for point in expected { #expect(sequence.next() == point) }
    }

    /// The first 2^m points of the 2-D Sobol sequence form a (0, m, 2)-net: every elementary box
    /// [i/2^a, (i+1)/2^a) × [j/2^b, (j+1)/2^b) with a + b = m holds exactly one point.
    @Test func sobolIsAZeroMTwoNet() {
        let m = 8, count = 1 << m
        var sequence = SobolSequence(dimension: 2)
        let points = (0..<count).map { _ in sequence.next() }
        for a in 0...m {
            let b = m - a
            var hits = [Int](repeating: 0, count: count)
            for p in points { hits[Int(p[0] * Double(1 << a)) * (1 << b) + Int(p[1] * Double(1 << b))] += 1 }
            #expect(hits.allSatisfy { $0 == 1 }, "a = \(a)")
        }
    }

    /// Each 1-D projection of the first 2^m points of a 3-D Sobol sequence hits every dyadic
    /// interval of length 2^-m exactly once.
    @Test func sobolThreeDimensionalProjectionsAreStratified() {
        let m = 7, count = 1 << m
        var sequence = SobolSequence(dimension: 3)
        let points = (0..<count).map { _ in sequence.next() }
        for axis in 0..<3 {
            #expect(Set(points.map { Int($0[axis] * Double(count)) }).count == count)
        }
    }

    /// Latin hypercube: every one of the N slabs of every axis holds exactly one point.
    @Test func latinHypercubeStratifiesEveryAxis() {
        var generator = SeededRandomNumberGenerator(seed: 9)
        let box = Box(lower: [-1, 2, 0], upper: [1, 3, 5])
        let n = 50
        let points = CollocationSampling.latinHypercube.sample(count: n, in: box, generator: &generator)
        for axis in 0..<3 {
            let slabs = (0..<n).map { Int((points[$0 * 3 + axis] - box.lower[axis]) / box.extents[axis] * Double(n)) }
            #expect(Set(slabs).count == n)
        }
    }

    /// Residual-based refinement appends the candidates with the largest residuals.
    @Test func residualRefinementAddsTheWorstCandidates() {
        var generator = SeededRandomNumberGenerator(seed: 1)
        let box = Box.interval(0, 1)
        let model = PINNModel<Double>(domain: box, configuration: .init(hiddenWidths: [4]), generator: &generator)
        // Residual r(x) = x: the largest candidates win.
        var terms = [PINNLossTerm<Double>(name: "pde", points: .points([0.5], dimension: 1),
                                          sampler: { n, g in CollocationSampling.uniform.sample(count: n, in: box, generator: &g) }) { _, x in
            Variable(x)
        }]
        let changed = CollocationResampling.residualRefinement(period: 10, candidates: 100, added: 5)
            .apply(step: 10, terms: &terms, model: model, generator: &generator)
        #expect(changed)
        #expect(terms[0].points.shape == [6, 1])
        #expect(terms[0].points.scalars.dropFirst().allSatisfy { $0 > 0.9 })
        #expect(!CollocationResampling.residualRefinement(period: 10, candidates: 100, added: 5)
            .apply(step: 11, terms: &terms, model: model, generator: &generator))
    }

    /// A periodic input embedding satisfies the soft periodic condition (u and u_x) exactly.
    @Test func periodicEmbeddingSatisfiesThePeriodicCondition() {
        var generator = SeededRandomNumberGenerator(seed: 2)
        let box = Box(lower: [-1, 0], upper: [1, 1])
        let model = PINNModel<Double>(domain: box, configuration: .init(hiddenWidths: [8, 8], periodicAxes: [0]), generator: &generator)
        let term: PINNLossTerm<Double> = BoundaryConstraint.periodic(axis: 0).lossTerm(on: box, count: 10, generator: &generator)
        let residual = term.residual(model, term.points).value.scalars
        #expect(residual.count == 20)
        #expect(residual.allSatisfy { abs($0) < 1e-12 })
        // Without the embedding the same term is far from zero.
        let plain = PINNModel<Double>(domain: box, configuration: .init(hiddenWidths: [8, 8]), generator: &generator)
        #expect(term.residual(plain, term.points).value.scalars.contains { abs($0) > 1e-3 })
    }
}
