// The dashboard's browser code, bundled with esbuild in memory when the
// server starts (no build step, nothing written to disk): the TypeScript in
// tools/dashboard/web/ plus the Firebase Web SDK, and the stylesheet.
import path from 'node:path';
import { build, stop } from 'esbuild';

export interface Bundle {
  js: string;
  css: string;
}

/** Source folder of the browser code (the server runs from build/, the sources stay in tools/). */
export const WEB_DIR = path.resolve(__dirname, '..', '..', '..', 'tools', 'dashboard', 'web');

export async function bundleWeb(webDir: string = WEB_DIR): Promise<Bundle> {
  const [js, css] = await Promise.all([
    build({
      entryPoints: [path.join(webDir, 'main.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'silent',
      // Firebase's ESM build for browsers (package.json "browser" condition).
      conditions: ['browser'],
    }),
    build({ entryPoints: [path.join(webDir, 'styles.css')], bundle: true, write: false, minify: true, logLevel: 'silent' }),
  ]);
  // esbuild keeps a service child process alive for later builds; there are
  // none, and a lingering child would outlive a stack that was told to stop.
  await stop();
  return { js: js.outputFiles[0]?.text ?? '', css: css.outputFiles[0]?.text ?? '' };
}
