import { defineConfig } from "vite";

// The app loads the built files from disk: relative paths, no dev server needed.
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "safari15" },
});
