// Preloaded into the test identity server by bench/compare.py (`node --require`): counts the
// HTTP requests the server receives, so the benchmark can report round trips per operation.
// `GET /__bench/requests` answers `{"count": N}` and is not counted itself.
'use strict';
const http = require('node:http');

let count = 0;
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function countingEmit(event, request, response, ...rest) {
  if (event === 'request') {
    if (request.url === '/__bench/requests') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ count }));
      return true;
    }
    count += 1;
  }
  return emit.call(this, event, request, response, ...rest);
};
