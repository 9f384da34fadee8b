"""A TCP proxy that adds a fixed delay to everything the client sends, so each request/response
exchange with the server behind it takes that much longer: a Lambda talking to a Supabase
database in another zone, on loopback. Used by scripts/bench-store. Standard library only.

    python3 scripts/latency_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS
"""
import asyncio
import sys

LISTEN, HOST, PORT, DELAY = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]) / 1000


async def pipe(reader, writer, delay):
    try:
        while data := await reader.read(65536):
            # PostgreSQL's protocol sends a query and waits for its answer, so holding each chunk
            # adds the delay once per round trip.
            if delay:
                await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def client(reader, writer):
    upstream_reader, upstream_writer = await asyncio.open_connection(HOST, PORT)
    await asyncio.gather(pipe(reader, upstream_writer, DELAY), pipe(upstream_reader, writer, 0))


async def main():
    server = await asyncio.start_server(client, "127.0.0.1", LISTEN)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
