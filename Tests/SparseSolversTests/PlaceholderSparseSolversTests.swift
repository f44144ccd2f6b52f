import Testing

@Test func placeholderSparseSolvers() { #expect(1 + 1 == 2) }
