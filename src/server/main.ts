import { runServer } from './run-server.js';

/** `npm start`: the GridBuilder server, configured by the environment. */
void runServer();
