// Forked by ../litestream-write-guard.race.test.ts: small writes through writeTransaction, guarded as
// the server's are, one a millisecond, so that Litestream keeps checkpointing. Stops on "stop" and
// reports the rows it wrote.
import { openSqlite } from "../../../db/client";
import { setWriteGate, writeTransaction } from "../../../db/transaction";
import { litestreamWriteGuard } from "../litestream-write-guard.server";

const [databasePath] = process.argv.slice(2);
const sqlite = openSqlite(databasePath);
sqlite.pragma("wal_autocheckpoint = 0");
const guard = litestreamWriteGuard(databasePath);
setWriteGate(sqlite, guard);
const insert = sqlite.prepare("insert into t (k, v) values (?, randomblob(300))");
let rows = 0;
let busy = 0;
let stopping = false;
process.on("message", (m) => {
  if (m === "stop") stopping = true;
});

const tick = () => {
  if (stopping) {
    sqlite.close();
    guard.close();
    process.send!({ rows, busy }, () => process.exit(0));
    return;
  }
  try {
    writeTransaction(sqlite, () => {
      for (let i = 0; i < 8; i++) insert.run(`w${process.pid}-${rows + i}`);
    });
    rows += 8;
  } catch (e) {
    if ((e as { code?: string }).code !== "SQLITE_BUSY") throw e;
    busy++;
  }
  setTimeout(tick, 0);
};
process.send!("ready");
tick();
