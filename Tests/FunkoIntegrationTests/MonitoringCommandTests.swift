import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoFeatures
@testable import FunkoModel
@testable import FunkoStore

/// The monitoring commands of the `funko` binary: the pipeline stops at the data-quality gate,
/// drift over a date range, and rollback (MonitoringTests checks the same in the process).
@Suite(.serialized, .ownThread) struct MonitoringCommandTests {
    @Test func thePipelineCommandWritesADatasetOrStopsAtTheGate() throws {
        let (dir, settings) = try HandlerFixture.shared.copy()
        let env = ["FUNKO_DB": settings.databasePath, "FUNKO_DATA_DIR": settings.dataDir]
        let ok = try runProcess(funkoBinary, ["pipeline"], env: env)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("quality gate passed"), "\(ok.stdout)")
        #expect(ok.stdout.contains("train /"), "\(ok.stdout)")
        let version = try #require(Files.list(dir.file("store/datasets")).first)
        let schema = try JSON.decode(
            DatasetSchema.self, from: try Files.read(dir.file("store/datasets/\(version)/schema.json")))
        #expect(schema.featureNames == Feature.names)
        #expect(schema.hyperparameters["num_round"] != nil)
        for (name, window) in [("train", "train"), ("validation", "validation"), ("test", "test")] {
            let lines = try String(contentsOfFile: dir.file("store/datasets/\(version)/\(name).csv"), encoding: .utf8)
                .split(separator: "\n")
            #expect(lines.count == schema.windows[window]!.rows, "\(name)")
        }
        // A store whose newest week is ten times busier than usual fails the gate with a clear message.
        let store = try SQLiteStore(path: settings.databasePath)
        _ = try store.insertSales(newestWeekSpike(try store.salesTable(since: nil)))
        let bad = try runProcess(funkoBinary, ["pipeline"], env: env)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("error: data quality gate failed: the newest week has"), "\(bad.stderr)")
        #expect(bad.stderr.contains("quality.json"), "\(bad.stderr)")
    }

    @Test func theDriftCommandReportsOverADateRange() throws {
        let (dir, settings) = try HandlerFixture.shared.copy()
        defer { withExtendedLifetime(dir) {} }
        let env = ["FUNKO_DB": settings.databasePath, "FUNKO_DATA_DIR": settings.dataDir]
        let r = try runProcess(funkoBinary, ["drift", "--json"], env: env)
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSON.decode(DriftReport.self, from: r.stdout)
        #expect(report.rows > 100)
        #expect(report.featurePSI.count == Feature.allCases.count)
        let text = try runProcess(funkoBinary, ["drift", "--from", "2001-01-01", "--to", "2001-02-01"], env: env)
        #expect(text.status == 1, "\(text.stderr)")
        #expect(text.stderr.contains("no sales from 2001-01-01"), "\(text.stderr)")
        let bad = try runProcess(funkoBinary, ["drift", "--from", "last week"], env: env)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(#"--from "last week" is not a date (YYYY-MM-DD)"#))
    }

    @Test func rollbackFromTheCommandLine() throws {
        let (dir, settings) = try HandlerFixture.shared.copy()
        defer { withExtendedLifetime(dir) {} }
        let env = ["FUNKO_DB": settings.databasePath, "FUNKO_DATA_DIR": settings.dataDir]
        let first = try runProcess(
            funkoBinary, ["train", "--max-rounds", "40", "--eta", "0.3", "--force-promote"], env: env)
        #expect(first.status == 0, "\(first.stderr)")
        let promoted = try #require(try ModelRepository(store: LocalObjectStore(root: settings.dataDir)).champion())
        #expect(promoted.version != "fixture")
        #expect(promoted.previous == "fixture")
        let back = try runProcess(funkoBinary, ["rollback"], env: env)
        #expect(back.status == 0, "\(back.stdout)\(back.stderr)")
        #expect(
            back.stdout.contains("rolled_back: rollback from \(promoted.version) to fixture"),
            "\(back.stdout)\(back.stderr)")
        let again = try runProcess(funkoBinary, ["rollback", "--to", "fixture"], env: env)
        #expect(again.status == 1)
        #expect(again.stderr.contains("fixture is already the champion"))
        let forward = try runProcess(funkoBinary, ["rollback", "--to", promoted.version], env: env)
        #expect(forward.status == 0, "\(forward.stderr)")
        let unknown = try runProcess(funkoBinary, ["rollback", "--to", "19990101-000000"], env: env)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("model 19990101-000000 has no model.tar.gz"))
    }
}
