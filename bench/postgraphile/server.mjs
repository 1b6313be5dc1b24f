// The bench's PostGraphile 5 peer: the amber preset over the bench's PostgreSQL database,
// production-ish (no GraphiQL, no explain, no watch), on 127.0.0.1:$PORT.
//   node --import ./polyfill.mjs server.mjs --port N   (DATABASE_URL in the environment)
// Prints "listening <port>" once the schema is built and the port is open; GET /healthz
// answers 200 from then on, as the bench's other servers do.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";

const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.POOL_SIZE || 10) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port,
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
    maxRequestLength: 100000,
  },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
await pgl.getSchema(); // build the schema before the port opens: /healthz means ready
// createHandler, not addTo: no websockets wanted, and /healthz must not reach grafserv.
const graphql = serv.createHandler();
const server = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
    res.end("ok");
  } else {
    graphql(req, res);
  }
});
server.keepAliveTimeout = 60000;
server.listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
const stop = () => server.close(() => pgl.release().finally(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
