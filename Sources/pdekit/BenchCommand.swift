import ArgumentParser

/// `pdekit bench …`: benchmark suites that print JSON lines (see BENCHMARKS.md).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run benchmark suites; each prints one JSON object per measurement.",
        subcommands: [
            CoreBenchmark.self,
            SparseBenchmark.self,
            PDEsBenchmark.self,
            DatasetBenchmark.self,
            DCDMBenchmark.self,
            FNOBenchmark.self,
            MgNOBenchmark.self,
            EmbeddingBenchmark.self,
            ImportBenchmark.self,
            ScalingBenchmark.self,
        ])
}
