import Testing
import Training

/// The training progress bar's total is the optimizer steps this process will take (counted by hand
/// here): every epoch's, cut at the loop's step limit (DeepONet's --iterations), less the epochs a
/// resumed run already has, so a run ends its bar at 100 % and never past it.
@Suite struct ProgressObserverTests {
    func total(_ observer: ProgressObserver, firstEpoch: Int, epochs: Int, stepsPerEpoch: Int) -> Int? {
        observer.trainingWillStart(firstEpoch: firstEpoch, epochs: epochs, stepsPerEpoch: stepsPerEpoch, history: [])
        return observer.total
    }

    @Test func totalIsTheStepsThatRun() {
        #expect(total(ProgressObserver(), firstEpoch: 0, epochs: 3, stepsPerEpoch: 4) == 12)
        #expect(total(ProgressObserver(), firstEpoch: 1, epochs: 3, stepsPerEpoch: 4) == 8)
        // 10 steps of 4 per epoch: 3 epochs, the last cut after 2 steps.
        #expect(total(ProgressObserver(maximumSteps: 10), firstEpoch: 0, epochs: 3, stepsPerEpoch: 4) == 10)
        // Resumed after 2 epochs (8 steps): 2 remain.
        #expect(total(ProgressObserver(maximumSteps: 10), firstEpoch: 2, epochs: 3, stepsPerEpoch: 4) == 2)
        // A limit above the epochs' steps changes nothing.
        #expect(total(ProgressObserver(maximumSteps: 100), firstEpoch: 0, epochs: 3, stepsPerEpoch: 4) == 12)
    }
}
