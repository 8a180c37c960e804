"""The PouchDB side of the sync comparison as the node scripts the bench writes: a server (express-pouchdb on
PouchDB's LevelDB adapter) and a phone-like client that replicates work orders up, or a fresh one down.
"""

from __future__ import annotations

from pathlib import Path

DATABASE = "work_orders"

SERVER_JS = """\
// express-pouchdb on PouchDB's default node adapter (LevelDB), every database under one directory.
const express = require('express');
const PouchDB = require('pouchdb');
const [directory, port] = process.argv.slice(2);
const Prefixed = PouchDB.defaults({prefix: directory + '/'});
const app = express();
app.use('/', require('express-pouchdb')(Prefixed, {mode: 'minimumForPouchDB', inMemoryConfig: true}));
app.listen(Number(port), '127.0.0.1', () => console.log('ready'));
"""

CLIENT_JS = """\
// A phone's PouchDB: 'up' fills a local database with COUNT work orders (untimed, the offline queue), then
// times their replication to the server; 'down' times a fresh local database's initial replication from it.
const PouchDB = require('pouchdb');
const [mode, remoteUrl, directory, countText] = process.argv.slice(2);
const count = Number(countText || 0);

function workOrder(n) {
    const id = 'wo-' + String(n).padStart(6, '0');
    return {
        _id: id, type: 'work_order', site_id: 'north', unit: 'B-' + (n % 300), category: 'plumbing', priority: 'normal',
        status: 'completed', title: 'Leaking tap ' + n, description: 'Kitchen tap drips; water under the sink.',
        customer: {name: 'Ms Wang', phone: '+86 138 0000 ' + String(n % 10000).padStart(4, '0')},
        technician_id: 'tech', scope: 'replace washer', labor_fee: 3000, material_fee: 500,
        photos: [{kind: 'cleanup', sha256: id.padEnd(64, '0')}],
        notes: [{text: 'washer replaced, floor dried'}, {text: 'customer asked about the boiler'}],
        summary: 'tap fixed', created_at: '2026-12-01T08:00:00Z', updated_at: '2026-12-01T09:00:00Z',
    };
}

async function up() {
    const local = new PouchDB(directory + '/phone-up');
    for (let first = 0; first < count; first += 1000) {
        const docs = [];
        for (let n = first; n < Math.min(count, first + 1000); n++) docs.push(workOrder(n));
        await local.bulkDocs(docs);
    }
    const started = process.hrtime.bigint();
    const result = await local.replicate.to(new PouchDB(remoteUrl));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const remote = await new PouchDB(remoteUrl).info();
    console.log(JSON.stringify({seconds, docs_written: result.docs_written, remote_docs: remote.doc_count}));
}

async function down() {
    const local = new PouchDB(directory + '/phone-down');
    const started = process.hrtime.bigint();
    const result = await local.replicate.from(new PouchDB(remoteUrl));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const info = await local.info();
    console.log(JSON.stringify({seconds, docs_written: result.docs_written, local_docs: info.doc_count}));
}

(mode === 'up' ? up() : down()).catch((err) => { console.error(err); process.exit(1); });
"""


def write_scripts(directory: Path) -> tuple[Path, Path]:
    """server.js and client.js into `directory` (beside the node_modules they require); their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    server, client = directory / "server.js", directory / "client.js"
    server.write_text(SERVER_JS)
    client.write_text(CLIENT_JS)
    return server, client
