// Builds the page into POLYMCP_WEB_OUT (the gateway serves that directory):
// hashed files under assets/, no inline script (the gateway's
// Content-Security-Policy allows scripts from its own origin only).
import { defineConfig } from "vite";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: process.env.POLYMCP_WEB_OUT || "dist",
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
