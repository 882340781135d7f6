#!/usr/bin/env node
// Runs the browser client's search core (themes/default/static/search.js) under Node
// with the theme's lunr.js, over a built `search/` folder, for the Python tests.
//
//   node tests/search_parity.js REQUEST.json
//
// REQUEST: {"lunr": path to lunr.js, "client": path to search.js, "data": the search/
// folder, "queries": [...], "fresh": true to start each query with empty caches and
// fetch the display records of its first `show` results, "show": 10, "stems": [...]}.
// Prints {"queries": [{query, hits: [[doc, score]...], shards, fetched, error}],
// "stems": {word: stem}} as JSON on stdout.
'use strict';

const fs = require('fs');
const path = require('path');

async function main() {
  const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const lunr = require(path.resolve(request.lunr));
  const client = require(path.resolve(request.client));
  const show = request.show || 10;

  function makeEngine(fetched) {
    return client.createEngine(lunr, async (file) => {
      const name = file.split('?')[0];
      fetched.push(name);
      return JSON.parse(fs.readFileSync(path.join(request.data, name), 'utf8'));
    });
  }

  const out = { queries: [], stems: {} };
  let shared = null;
  for (const query of request.queries || []) {
    const fetched = [];
    const engine = request.fresh ? makeEngine(fetched) : shared || (shared = makeEngine(fetched));
    const result = await engine.search(query);
    const row = {
      query,
      hits: result.hits.map((h) => [h.doc, h.score]),
      shards: result.shards,
      error: result.error || null,
    };
    if (request.fresh) {
      await engine.lookupId(query);
      await engine.records(result.hits.slice(0, show).map((h) => h.doc));
      row.fetched = fetched;
    }
    out.queries.push(row);
  }
  for (const word of request.stems || []) out.stems[word] = client.pyStem(word);
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + '\n');
  process.exit(1);
});
