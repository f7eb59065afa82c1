// tests/tools/mcap_check.mjs - open an MCAP file with the reference TypeScript
// reader (@mcap/core), stream and indexed, and print what it found as JSON.
// usage: node mcap_check.mjs FILE [EXPECTED_MESSAGES]
// Exit 77 (ctest: skipped) when @mcap/core is not installed.
let core;
try {
  core = await import("@mcap/core");
} catch {
  console.log("@mcap/core not installed (make deps installs it when npm is present): skipped");
  process.exit(77);
}
const { McapIndexedReader, McapStreamReader } = core;
const { readFileSync } = await import("node:fs");
const buf = readFileSync(process.argv[2]);
// streaming reader: validates every record and the magic at both ends
const sr = new McapStreamReader({ validateCrcs: true });
sr.append(buf);
let n = 0, rec, kinds = {};
while ((rec = sr.nextRecord())) { kinds[rec.type] = (kinds[rec.type] ?? 0) + 1; if (rec.type === "Message") n++; }
if (!sr.done()) throw new Error("stream reader not done");
// indexed reader: uses the footer and summary
const ir = await McapIndexedReader.Initialize({ readable: {
  size: async () => BigInt(buf.length),
  read: async (off, len) => buf.subarray(Number(off), Number(off + len)) } });
console.log(JSON.stringify({ messages: n, kinds, profile: ir.header.profile,
  stats: ir.statistics ? Number(ir.statistics.messageCount) : null,
  channels: [...ir.channelsById.values()].map(c => c.topic),
  schemas: [...ir.schemasById.values()].map(s => s.name + ":" + s.encoding) }));
const want = process.argv[3];
if (want !== undefined && (n !== Number(want) || Number(ir.statistics?.messageCount) !== Number(want))) {
  console.error(`expected ${want} messages, read ${n} (statistics ${ir.statistics?.messageCount})`);
  process.exit(1);
}
