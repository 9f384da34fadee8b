import FlyingFox
import FlyingSocks

#if canImport(Glibc)
    import Glibc
#endif

/// FlyingFox's socket pool, with Nagle's algorithm off (`TCP_NODELAY`) on every socket it waits on.
///
/// FlyingFox writes a response's header and body with two `write`s. With Nagle's algorithm on,
/// the body waits until the peer acknowledges the header, and a keep-alive peer delays that
/// acknowledgement (40 ms on Linux): every answer on a reused connection took 40 ms or more, so
/// lambda-local answered about 11 invocations a second (scripts/bench soak found it) and funko serve
/// likewise. The listening socket is the first one the pool waits on (for `accept`); on Linux an
/// accepted socket inherits the option, and each connection gets it again when it first waits.
public struct NoDelaySocketPool<Base: AsyncSocketPool>: AsyncSocketPool {
    let base: Base

    public init(_ base: Base) {
        self.base = base
    }

    public func prepare() async throws {
        try await base.prepare()
    }

    public func run() async throws {
        try await base.run()
    }

    public func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        Self.disableNagle(socket.file.rawValue)
        try await base.suspendSocket(socket, untilReadyFor: events)
    }

    /// Sets `TCP_NODELAY`; a socket that is not TCP (or already closed) keeps what it had.
    public static func disableNagle(_ descriptor: Int32) {
        var on: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }
}

extension HTTPServer {
    /// An HTTP server whose sockets send each write at once (see `NoDelaySocketPool`).
    public static func withoutNagle(
        address: some SocketAddress, timeout: Double, logger: any Logging = .disabled,
        handler: (any HTTPHandler)? = nil
    ) -> HTTPServer {
        HTTPServer(
            config: .init(
                address: address, timeout: timeout, pool: NoDelaySocketPool(HTTPServer.defaultPool()),
                logger: logger),
            handler: handler)
    }
}
