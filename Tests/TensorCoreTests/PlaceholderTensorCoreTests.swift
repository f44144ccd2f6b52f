import Testing

@Test func placeholderTensorCore() { #expect(1 + 1 == 2) }
