import Testing

@Test func placeholderNeuralLayers() { #expect(1 + 1 == 2) }
