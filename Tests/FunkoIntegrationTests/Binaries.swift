import Foundation
import FunkoTestSupport

/// The funko binary built with the tests (`FUNKO_BIN` overrides).
var funkoBinary: String {
    ProcessInfo.processInfo.environment["FUNKO_BIN"] ?? "\(packageRoot)/.build/debug/funko"
}
