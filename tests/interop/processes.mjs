// Child processes and ports for the node interop tests.
import { spawn } from "node:child_process";
import { createServer } from "node:net";

/// Starts `cmd` with `args` (and `env` added to this process's), records it
/// in `children` (to kill in `after`), and resolves with the first capture
/// group of `pattern` in its stderr — e.g. the URL it prints once listening.
/// Rejects when it exits first, with its stderr.
export function start(children, cmd, args, pattern, env = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      const m = pattern.exec(err);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`${cmd} exited with ${code}: ${err}`)));
  });
}

/// A TCP port free on 127.0.0.1 right now.
export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
