import Foundation
import Testing
import TensorCore
import AutoDiff
import NeuralOperators
import Training

/// `OperatorTrainingRun`, `FNOTrainingRun` and `MgNOTrainingRun` (what `pdekit train fno|mgno` call): the
/// split against the file read directly, the checks of the flag values, and a whole run against the same
/// training done by hand with ``Trainer``.
@Suite struct OperatorTrainingRunTests {
    /// 24 random pairs on 16 points (`coeff`, `sol`), stored in order, and 6 time-last trajectories
    /// `traj` [6, 8, 5] in a second file.
    func writeFiles(in directory: URL) throws -> (pairs: String, trajectories: String) {
        var generator = SeededRandomNumberGenerator(seed: 4)
        let a = (0..<(24 * 16)).map { _ in Double.random(in: -1...1, using: &generator) }
        let u = a.indices.map { 0.5 * a[$0] + 0.25 * a[($0 + 1) % a.count] }
        let states = (0..<(6 * 8 * 5)).map { _ in Double.random(in: -1...1, using: &generator) }
        let pairs = directory.appendingPathComponent("pairs.h5").path, trajectories = directory.appendingPathComponent("trajectories.h5").path
        try HDF5File.writeAtomically(to: pairs) { file in
            try file.writeDataset("coeff", try NumericArray(shape: [24, 16], storage: .float64(a)))
            try file.writeDataset("sol", try NumericArray(shape: [24, 16], storage: .float64(u)))
        }
        try HDF5File.writeAtomically(to: trajectories) { file in
            try file.writeDataset("traj", try NumericArray(shape: [6, 8, 5], storage: .float64(states)))
        }
        return (pairs, trajectories)
    }

    func withDirectory(_ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-operator-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    /// A quiet one-epoch `train fno` of `data` into `output`, samples in file order, data in `residence`.
    func fnoRun(_ data: String, _ output: URL, split: (train: Int, validation: Int, test: Int), _ residence: DataResidence) -> FNOTrainingRun {
        var operatorRun = OperatorTrainingRun(data: data, output: output.path)
        (operatorRun.train, operatorRun.validation, operatorRun.test, operatorRun.epochs) = (split.train, split.validation, split.test, 1)
        (operatorRun.showsProgress, operatorRun.dataResidence, operatorRun.sampleOrder) = (false, residence, .file)
        return FNOTrainingRun(run: operatorRun)
    }

    func message(_ body: () throws -> Any?) -> String? {
        do { _ = try body(); return nil } catch { return (error as? OperatorRunError)?.description ?? "not an OperatorRunError: \(error)" }
    }

    @Test func splitIsTheFileRowsInOrderAndDisjoint() throws {
        try withDirectory { directory in
            let (path, _) = try writeFiles(in: directory)
            var run = OperatorTrainingRun(data: path, output: directory.appendingPathComponent("run").path)
            (run.train, run.test, run.sampleOrder) = (20, 4, .file)
            #expect(run.validationCount == 2 && run.batchSize == 20)
            let (train, validation, test, d) = try run.loadPairs()
            let file = try FieldPairFile(path: path)
            #expect(d == 1 && train.count == 18 && validation?.count == 2 && test.count == 4)
            #expect(train.inputs.scalars == (try file.pairs(0..<18)).inputs.scalars)
            #expect(validation?.targets.scalars == (try file.pairs(18..<20)).targets.scalars)
            #expect(test.inputs.scalars == (try file.pairs(20..<24)).inputs.scalars)
        }
    }

    @Test func flagValuesAreCheckedWithOneLineErrors() throws {
        var run = OperatorTrainingRun(data: "/nonexistent.h5", output: "/nonexistent-run")
        run.epochs = 0
        #expect(message { try run.loadPairs() } == "--epochs and --subsample must be positive")
        #expect(try run.streamedData() == nil)
        (run.epochs, run.subsample) = (1, 0)
        #expect(message { try run.loadPairs() } == "--epochs and --subsample must be positive")
        (run.subsample, run.dataResidence) = (1, .stream)
        #expect(message { try run.loadPairs() } == "--data-residence stream is implemented for train fno (--task pairs) and train mgno only")
        (run.dataResidence, run.train, run.test) = (.auto, Int.max, 5)
        #expect(message { try run.loadPairs() } == "--train \(Int.max) + --test 5 overflows a sample count")
        run.requestedBatchSize = 50
        #expect(run.batchSize == 50)
        #expect(message { try run.checkBatchSize(trainingRows: 18) }
                == "--batch-size 50 is larger than the 18 training samples (--train minus --validation)")
        #expect(message { try run.checkBatchSize(trainingRows: 50) } == nil)
        (run.train, run.validation) = (3, 2)
        #expect(message { try run.checkBatchSize(trainingRows: 1) }
                == "--train 3 with --validation 2 leaves 1 training sample; the normalizer's per-point standard deviation needs at least 2 (--train minus --validation ≥ 2)")
        (run.adamW, run.h1, run.patience, run.weightDecay) = (true, true, 7, 0.5)
        let configuration = run.trainingConfiguration
        #expect(configuration.optimizer == .adamW && configuration.loss == .relativeH1 && configuration.earlyStoppingPatience == 7)
        #expect(configuration.batchSize == 50 && configuration.weightDecay == 0.5 && configuration.epochs == 1)
    }

    /// One training sample (The Well fixture, `--task space-time --train 1`; pairs with `--train 2 --validation 1`),
    /// in memory and streamed: refused before training with one line naming --train and the minimum (it ended
    /// in "non-finite gradient in epoch 1 (the loss was 0.0)"). Two training pairs whose targets are the same
    /// field (σ = 0 everywhere: the decoded prediction is the target to the last bit) now train to a finite loss.
    @Test func oneTrainingSampleIsRefusedAndIdenticalTargetsTrain() throws {
        try withDirectory { directory in
            let well = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("datasets/fixtures/collections/the_well/fixture_flow").path
            for residence in [DataResidence.memory, .stream] {
                var operatorRun = OperatorTrainingRun(data: well, output: directory.appendingPathComponent("well-\(residence)").path)
                (operatorRun.train, operatorRun.test, operatorRun.epochs, operatorRun.showsProgress, operatorRun.dataResidence) = (1, 1, 1, false, residence)
                var fno = FNOTrainingRun(run: operatorRun)
                (fno.task, fno.history, fno.modes) = (.spaceTime, 2, 1)
                #expect(message { try fno.execute() }
                        == "--train 1 with --validation 0 leaves 1 training sample; the normalizer's per-point standard deviation needs at least 2 (--train minus --validation ≥ 2)",
                        "\(residence)")
            }
            let (pairs, _) = try writeFiles(in: directory)
            for residence in [DataResidence.memory, .stream] {
                var fno = fnoRun(pairs, directory.appendingPathComponent("pairs-\(residence)"), split: (2, 1, 2), residence)
                fno.modes = 2
                #expect(message { try fno.execute() }?.hasPrefix("--train 2 with --validation 1 leaves 1 training sample;") == true, "\(residence)")
            }
            var generator = SeededRandomNumberGenerator(seed: 6)
            let inputs = Tensor<Float>.normal([2, 1, 16], using: &generator)
            let field = (0..<16).map { 1000 + Float(sin(Double($0))) }
            let targets = Tensor<Float>(uncheckedShape: [2, 1, 16], scalars: field + field)
            let model = try FourierNeuralOperator<Float>(FNOConfiguration(modes: [4], inputChannels: 1, outputChannels: 1, width: 6, layerCount: 1,
                                                                          projectionChannels: 8), generator: &generator)
            let task = try OperatorTrainingTask(model: model, configuration: TrainingConfiguration(epochs: 1, batchSize: 2),
                                                train: try FieldPairs(inputs: inputs, targets: targets), validation: nil)
            let loss = try task.loss(batch: [0, 1])
            #expect(loss.value.scalars == [0], "σ = 0: the decoded prediction is the target (loss \(loss.value.scalars))")
            let parameters = model.namedParameters.map(\.parameter.variable)
            let grads = gradients(of: loss, withRespectTo: parameters)
            #expect(grads.allSatisfy { $0.value.isFinite }, "a NaN gradient at an exact fit")
        }
    }

    /// A training sample whose target is zero everywhere has no relative error (‖u − v‖/‖0‖): refused before
    /// training with one line naming the sample, in memory and streamed (it stopped in epoch 1 as "training
    /// diverged (non-finite loss)").
    @Test func aZeroTargetIsRefusedBeforeTraining() throws {
        try withDirectory { directory in
            var generator = SeededRandomNumberGenerator(seed: 8)
            let a = (0..<(8 * 16)).map { _ in Double.random(in: -1...1, using: &generator) }
            let u = a.indices.map { $0 / 16 == 3 ? 0 : 0.5 * a[$0] }   // sample 3's target is zero
            let path = directory.appendingPathComponent("zero.h5").path
            try HDF5File.writeAtomically(to: path) { file in
                try file.writeDataset("coeff", try NumericArray(shape: [8, 16], storage: .float64(a)))
                try file.writeDataset("sol", try NumericArray(shape: [8, 16], storage: .float64(u)))
            }
            for residence in [DataResidence.memory, .stream] {
                var fno = fnoRun(path, directory.appendingPathComponent("\(residence)"), split: (6, 0, 2), residence)
                fno.modes = 2
                let text = message { try fno.execute() }
                #expect(text?.contains("the target of training sample 3 is zero everywhere") == true && text?.contains("\n") == false,
                        "\(residence): \(text ?? "trained on a zero target")")
            }
        }
    }

    /// Next-step training on trajectories with a state that is zero everywhere after the history (trajectory 1,
    /// step 3 of 5): refused with one line naming it, in memory and streamed (it stopped as "diverged").
    @Test func aZeroTargetStateIsRefusedBeforeNextStepTraining() throws {
        try withDirectory { directory in
            var generator = SeededRandomNumberGenerator(seed: 12)
            var states = (0..<(6 * 8 * 5)).map { _ in Double.random(in: -1...1, using: &generator) }
            for x in 0..<8 { states[1 * 40 + x * 5 + 3] = 0 }   // [N, X, T], time last
            let path = directory.appendingPathComponent("zero-state.h5").path
            try HDF5File.writeAtomically(to: path) { file in
                try file.writeDataset("traj", try NumericArray(shape: [6, 8, 5], storage: .float64(states)))
            }
            for residence in [DataResidence.memory, .stream] {
                var run = fnoRun(path, directory.appendingPathComponent("\(residence)"), split: (4, 0, 2), residence)
                (run.task, run.trajectoryKey, run.history, run.modes, run.width, run.layers) = (.nextStep, "traj", 2, 2, 4, 1)
                let text = message { try run.execute() }
                #expect(text?.contains("state 3 of training trajectory 1 is zero everywhere") == true && text?.contains("\n") == false,
                        "\(residence): \(text ?? "trained on a zero target state")")
            }
        }
    }

    @Test func timeSeriesTasksCheckHistoryAndPushforward() throws {
        try withDirectory { directory in
            let (_, path) = try writeFiles(in: directory)
            var operatorRun = OperatorTrainingRun(data: path, output: directory.appendingPathComponent("run").path)
            (operatorRun.train, operatorRun.validation, operatorRun.test, operatorRun.epochs, operatorRun.showsProgress) = (3, 1, 2, 1, false)
            var run = FNOTrainingRun(run: operatorRun)
            (run.task, run.trajectoryKey, run.modes, run.width, run.layers) = (.nextStep, "traj", 2, 4, 1)
            run.pushforward = -1
            #expect(message { try run.execute() } == "--epochs and --subsample must be positive and --pushforward non-negative")
            run.pushforward = 0
            for history in [0, 5] {
                run.history = history
                #expect(message { try run.execute() } == "--history \(history) must be in 1..<5 (the trajectories' steps)")
            }
            // Streamed, the training trajectories are the first train − validation of the file, whatever the task.
            run.run.dataResidence = .stream
            #expect(try run.streamedTrajectories()?.trainTrajectories == 2 && run.streamedTrajectories(spaceTimeHistory: 2)?.test.count == 2)
            // The split itself: trajectory counts as asked, read from the file's `traj` array.
            run.run.dataResidence = .auto
            let split = try run.trajectorySplit()
            #expect(split.train.count == 2 && split.validation?.count == 1 && split.test.count == 2 && split.train.steps == 5)
        }
    }

    @Test func pairsRunEqualsTheTrainerRunByHand() throws {
        try withDirectory { directory in
            let (path, _) = try writeFiles(in: directory)
            var operatorRun = OperatorTrainingRun(data: path, output: directory.appendingPathComponent("cli").path)
            (operatorRun.train, operatorRun.test, operatorRun.epochs, operatorRun.requestedBatchSize) = (20, 4, 2, 6)
            (operatorRun.sampleOrder, operatorRun.showsProgress, operatorRun.seed) = (.file, false, 3)
            var run = FNOTrainingRun(run: operatorRun)
            (run.preset, run.modes, run.width, run.layers) = (.darcy, 3, 4, 1)
            let summary = try #require(try run.execute() as? OperatorRunSummary)

            let file = try FieldPairFile(path: path)
            let configuration = try FNOPreset.darcy.configuration(spatialDimensions: 1, inputChannels: 1, outputChannels: 1, modes: 3, width: 4, layers: 1)
            var generator = SeededRandomNumberGenerator(seed: 3)
            let model = try FourierNeuralOperator<Float>(configuration, generator: &generator)
            let trainer = try Trainer(model: model, configuration: operatorRun.trainingConfiguration, train: file.pairs(0..<18), validation: file.pairs(18..<20),
                                      outputDirectory: directory.appendingPathComponent("hand"))
            let history = try trainer.run()
            let final = try trainer.trainedModel.evaluate(try file.pairs(20..<24), batchSize: 6)
            #expect(summary.epochs == history.history.count && summary.best_epoch == history.bestEpoch + 1)
            #expect(summary.final_test_relative_l2.isFinite && summary.final_test_relative_l2 == final.relativeL2)
            #expect(summary.parameters == model.parameterCount && summary.selected_on == "validation" && summary.validation_samples == 2)
            for name in ["checkpoint.safetensors", "best.safetensors", "metrics.jsonl", "fields.png"] {
                #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("cli/\(name)").path), "\(name)")
            }
        }
    }
}
