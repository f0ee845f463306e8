import { defineConfig } from "vite";

// Fixed file names: the build embeds whatever is in the output folder, and the server sends
// them with Cache-Control: no-cache (no content hashes needed).
export default defineConfig({
  base: "/",
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      output: {
        entryFileNames: "static/app.js",
        chunkFileNames: "static/[name].js",
        assetFileNames: "static/[name][extname]",
      },
    },
  },
});
