#if canImport(Glibc)
    import Glibc
    @inline(__always) public func naturalLog(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) public func exponential(_ x: Double) -> Double { Glibc.exp(x) }
#else
    import Darwin
    @inline(__always) public func naturalLog(_ x: Double) -> Double { Darwin.log(x) }
    @inline(__always) public func exponential(_ x: Double) -> Double { Darwin.exp(x) }
#endif
