import { buildApi } from '../api/app.js';
import { openPlatform } from '../control/platform.js';
import type { Config } from '../config/env.js';
import { assertPortFree } from '../engines/ports.js';
import { startAiActivityWorker } from './ai-activity-worker.js';
import { createLogger } from './logger.js';
import { exitWithParent, onShutdown } from './lifecycle.js';

/** `syntra api`: the control plane's HTTP process (REST, health; later the gateway and socket.io). */
export async function runApi(config: Config, options: { supervised: boolean }): Promise<void> {
  const log = createLogger(config, 'api');
  if (options.supervised) exitWithParent(log);
  await assertPortFree(config.PORT, 'Syntra API', config.HOST);
  const platform = await openPlatform(config, log);
  const app = await buildApi(platform, log);
  const aiWorker = await startAiActivityWorker(platform, log);
  onShutdown(log, async () => {
    await app.close();
    await aiWorker.stop();
    await platform.close();
  });
  await app.listen({ port: config.PORT, host: config.HOST });
}
