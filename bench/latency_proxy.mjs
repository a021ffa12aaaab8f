// A TCP proxy that holds every chunk it passes for DELAY ms, in each
// direction: a bucket DELAY * 2 ms of round trip away, for measuring what
// requests in flight and round trips cost where latency is a region's
// rather than a loopback's. Point AWS_ENDPOINT_URL at it.
//
//   node bench/latency_proxy.mjs LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS
import net from 'node:net';

const [lport, thost, tport, delay] = process.argv.slice(2);
if (!delay) {
  console.error('usage: latency_proxy.mjs LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS');
  process.exit(2);
}
// timers of one duration fire in the order they were set: bytes keep theirs
const relay = (from, to) => from.on('data', (d) => setTimeout(() => to.write(d), Number(delay)));
net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect(Number(tport), thost, () => upstream.setNoDelay(true));
  relay(client, upstream);
  relay(upstream, client);
  const end = () => { client.destroy(); upstream.destroy(); };
  for (const s of [client, upstream]) { s.on('error', end); s.on('close', end); }
}).listen(Number(lport), '127.0.0.1', () =>
  console.log(`latency_proxy: 127.0.0.1:${lport} -> ${thost}:${tport}, ${delay} ms each way`));
