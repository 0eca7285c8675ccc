// Online, consistent backup of the gateway's SQLite files (state database and ingest
// journal) while the gateway runs, with SQLite's backup API (better-sqlite3 `backup`).
//
//   In the compose stack (the script is piped to the container's node, nothing to install):
//     docker compose exec -T gateway node - < deploy/backup-sqlite.cjs
//     docker compose cp gateway:/data/backups ./mag-backups
//   On a host: MAG_DATA_DIR=./data node deploy/backup-sqlite.cjs
//
// Writes <MAG_DATA_DIR>/backups/<UTC timestamp>/<same relative paths>.db and prints them.
// Restore: stop the gateway, copy the files back in place (removing any -wal/-shm files
// beside them), start the gateway.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Database = require('better-sqlite3');

const dataDir = path.resolve(process.env.MAG_DATA_DIR || './data');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const outDir = path.join(dataDir, 'backups', stamp);

async function main() {
  const files = fs
    .readdirSync(dataDir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.db') && !f.split(path.sep).includes('backups'));
  if (files.length === 0) throw new Error(`no SQLite *.db file under ${dataDir} (is MAG_DATA_DIR right?)`);
  for (const f of files) {
    const dst = path.join(outDir, f);
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    const db = new Database(path.join(dataDir, f), { readonly: true, fileMustExist: true });
    try {
      await db.backup(dst);
    } finally {
      db.close();
    }
    console.log(dst);
  }
}

main().catch((e) => {
  console.error(`backup failed: ${e.message}`);
  process.exit(1);
});
