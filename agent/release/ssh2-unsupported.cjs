// Stands in for ssh2 in the agent's release bundle. dockerode loads ssh2 for `DOCKER_HOST=ssh://`,
// which an agent running on the Docker host itself never uses; leaving its crypto out keeps the
// agent's idle memory down (docs/benchmarks.md).
class Client {
  constructor() {
    throw new Error('The Syntra agent talks to the local Docker Engine (unix socket or tcp://); DOCKER_HOST=ssh:// is not supported');
  }
}
module.exports = { Client };
