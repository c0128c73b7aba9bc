// deploy/compose and deploy/k8s cannot run here (no Docker, no cluster): these tests read them
// and check that they agree with cashtag itself — every variable is a setting src/config.ts
// knows and its value parses, ports agree from the setting to the container, Service, monitor
// and Prometheus target, images are pinned, the Dockerfile starts the CLI package.json names,
// and Grafana's provisioning paths are where compose mounts the files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { isLoopback } from '../../src/io/http/hardening.js';
import { cliNodeFlags } from '../../bench/cli-command.js';
import { RESERVED_FOR_SERVING_LAYER, imageTag, isKnownVariable, listDir, packageJson, portOf, readText, readYaml, readYamlAll, repoPath, scrapeTargets, type Node } from './files.js';

const COMPOSE_DIR = 'deploy/compose';
const compose = () => readYaml(`${COMPOSE_DIR}/docker-compose.yml`);
const composePrometheus = () => readYaml(`${COMPOSE_DIR}/prometheus.yml`);
const localPrometheus = () => readYaml('deploy/prometheus/prometheus.yml');

/** compose `environment:` as a map (it may be a map or a list of NAME=value). */
function envMap(env: Node): Record<string, string> {
  if (!env) return {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e: string) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** Values must pass cashtag's own validation (the reserved names are not settings yet). */
function assertValidConfig(env: Record<string, string>, where: string) {
  const settings = Object.fromEntries(Object.entries(env).filter(([k]) => !RESERVED_FOR_SERVING_LAYER.has(k)));
  assert.doesNotThrow(() => loadConfig({}, settings), `${where}: cashtag rejects these settings`);
}

const cashtagServices = (c: Node): [string, Node][] => Object.entries(c.services as Record<string, Node>).filter(([, s]) => String(s.image).startsWith('cashtag:'));
const hostPort = (hp: string) => ({ host: hp.slice(0, hp.lastIndexOf(':')), port: portOf(hp) });
/** Container-side port of compose `ports:` entries ("host:container"). */
const publishedContainerPorts = (s: Node) => ((s.ports ?? []) as string[]).map((p) => Number(String(p).split(':').at(-1)));
const healthcheckPort = (s: Node) => Number(/127\.0\.0\.1:(\d+)\//.exec((s.healthcheck.test as string[]).join(' '))?.[1]);

// ---------------------------------------------------------------- compose

test('compose: every variable of a cashtag service is a cashtag setting, and its value parses', () => {
  const services = cashtagServices(compose());
  assert.deepEqual(services.map(([n]) => n).sort(), ['pipeline', 'producer-prices', 'producer-tweets']);
  for (const [name, s] of services) {
    const env = envMap(s.environment);
    for (const key of Object.keys(env)) assert.ok(isKnownVariable(key), `compose service ${name}: ${key} is not a cashtag setting (src/config.ts)`);
    assertValidConfig(env, `compose service ${name}`);
  }
});

test('compose: images are pinned to a tag, cashtag to the package version, built by deploy/compose/Dockerfile', () => {
  for (const [name, s] of Object.entries(compose().services as Record<string, Node>)) {
    const tag = imageTag(String(s.image));
    assert.ok(tag && tag !== 'latest', `compose service ${name}: image ${s.image} is not pinned to a tag`);
  }
  for (const [name, s] of cashtagServices(compose())) {
    assert.equal(s.image, `cashtag:${packageJson.version}`, `compose service ${name}`);
    assert.equal(posix.normalize(posix.join(COMPOSE_DIR, s.build.context)), '.', `${name}: build context is the repository root`);
    assert.equal(s.build.dockerfile, `${COMPOSE_DIR}/Dockerfile`);
  }
});

test('compose: the pipeline settings point at the compose servers', () => {
  const c = compose();
  const env = envMap(c.services.pipeline.environment);
  const kafka = envMap(c.services.kafka.environment);
  const kafkaBroker = hostPort(env.KAFKA_BROKERS);
  assert.ok(kafka.KAFKA_ADVERTISED_LISTENERS.split(',').includes(`PLAINTEXT://${env.KAFKA_BROKERS}`), 'KAFKA_BROKERS is the broker listener Kafka advertises');
  assert.ok(c.services[kafkaBroker.host], 'KAFKA_BROKERS names the kafka service');
  const cassandra = hostPort(env.CASSANDRA_CONTACT_POINTS);
  assert.ok(c.services[cassandra.host] && cassandra.port === 9042, 'CASSANDRA_CONTACT_POINTS names the cassandra service');
  assert.equal(env.CASSANDRA_LOCAL_DC, envMap(c.services.cassandra.environment).CASSANDRA_DC);
  const s3 = new URL(env.S3_ENDPOINT);
  assert.ok(c.services[s3.hostname] && Number(s3.port) === 9000, 'S3_ENDPOINT names the minio service');
  const minio = envMap(c.services.minio.environment);
  assert.equal(env.S3_ACCESS_KEY, minio.MINIO_ROOT_USER);
  assert.equal(env.S3_SECRET_KEY, minio.MINIO_ROOT_PASSWORD);
  for (const [name, s] of cashtagServices(c)) {
    assert.equal(envMap(s.environment).KAFKA_BROKERS, env.KAFKA_BROKERS, `${name}: same brokers`);
    assert.equal(envMap(s.environment).KAFKA_PARTITIONS, env.KAFKA_PARTITIONS, `${name}: same topic partitions (both create the topics)`);
  }
  for (const dep of ['kafka', 'cassandra', 'minio']) assert.equal(c.services.pipeline.depends_on[dep]?.condition, 'service_healthy', `pipeline waits for ${dep}`);
});

test('compose: metrics ports agree from the setting to the healthcheck, the published port and the Prometheus target', () => {
  const c = compose();
  const prom = composePrometheus();
  const pipeline = c.services.pipeline;
  const metricsPort = Number(envMap(pipeline.environment).METRICS_PORT);
  assert.equal(metricsPort, 9464);
  // The pipeline's healthcheck asks the serving layer's /readyz on HTTP_PORT.
  assert.equal(healthcheckPort(pipeline), Number(envMap(pipeline.environment).HTTP_PORT));
  assert.ok(publishedContainerPorts(pipeline).includes(metricsPort));
  assert.ok(publishedContainerPorts(pipeline).includes(Number(envMap(pipeline.environment).HTTP_PORT)));
  assert.deepEqual(scrapeTargets(prom, 'cashtag-pipeline'), [`pipeline:${metricsPort}`]);

  const producers = cashtagServices(c).filter(([, s]) => s.command[0] === 'produce');
  assert.deepEqual(producers.map(([, s]) => s.command[1]).sort(), ['prices', 'tweets'], 'a producer per topic');
  const expected = producers.map(([name, s]) => {
    const port = Number(envMap(s.environment).PRODUCER_METRICS_PORT);
    assert.equal(healthcheckPort(s), port, `${name}: healthcheck port`);
    assert.ok(publishedContainerPorts(s).includes(port), `${name}: publishes ${port}`);
    return `${name}:${port}`;
  });
  assert.deepEqual(scrapeTargets(prom, 'cashtag-producers').sort(), expected.sort());
  assert.deepEqual(new Set(producers.map(([, s]) => envMap(s.environment).PRODUCER_METRICS_PORT)).size, 2, 'the producers use two ports');
});

test('compose: cashtag listens beyond its container only where something outside connects; every published port is on the host loopback', () => {
  const c = compose();
  for (const [name, s] of cashtagServices(c)) {
    const cfg = loadConfig({}, envMap(s.environment));
    // Prometheus scrapes every cashtag service from its own container.
    assert.ok(!isLoopback(cfg.metricsHost), `compose service ${name}: METRICS_HOST ${cfg.metricsHost} is loopback, Prometheus cannot scrape it`);
    if (name === 'pipeline') assert.ok(!isLoopback(cfg.httpHost), `the pipeline's HTTP_HOST ${cfg.httpHost} is loopback: the published port 8080 would answer nothing`);
  }
  for (const [name, s] of Object.entries(c.services as Record<string, Node>)) {
    for (const p of (s.ports ?? []) as string[]) assert.match(String(p), /^127\.0\.0\.1:\d+:\d+$/, `compose service ${name}: port ${p} is published on every interface of the host`);
  }
});

test('compose: every dependency waited for has a healthcheck; every service has one', () => {
  const services = compose().services as Record<string, Node>;
  for (const [name, s] of Object.entries(services)) {
    assert.ok(s.healthcheck?.test, `compose service ${name} has no healthcheck`);
    const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
    for (const d of deps) assert.ok(services[d], `${name} depends on unknown service ${d}`);
  }
});

/** compose volume "src:target[:ro]" → [absolute source or volume name, target]. */
function mounts(s: Node): [string, string][] {
  return (s.volumes as string[]).map((v) => {
    const [src, target] = v.split(':');
    return [src.startsWith('.') ? posix.normalize(posix.join(COMPOSE_DIR, src)) : src, target];
  });
}

test('compose: Grafana mounts the provisioning and the dashboards where the provisioning files expect them', () => {
  const c = compose();
  const grafana = mounts(c.services.grafana);
  const provider = readYaml('grafana/provisioning/dashboards/cashtag.yml').providers[0];
  assert.deepEqual(grafana.find(([src]) => src === 'grafana/dashboards'), ['grafana/dashboards', provider.options.path]);
  assert.deepEqual(grafana.find(([src]) => src === 'grafana/provisioning'), ['grafana/provisioning', '/etc/grafana/provisioning']);
  for (const [src] of grafana) if (!src.includes('-data')) assert.ok(existsSync(repoPath(src)), `compose mounts missing ${src}`);
  // The datasource reads PROMETHEUS_URL; compose points it at the prometheus service.
  assert.match(readText('grafana/provisioning/datasources/prometheus.yml'), /\$\{PROMETHEUS_URL/);
  const url = new URL(envMap(c.services.grafana.environment).PROMETHEUS_URL);
  assert.ok(c.services[url.hostname] && publishedContainerPorts(c.services[url.hostname]).includes(Number(url.port)));
});

/**
 * Grafana's expansion of a provisioning value (pkg/services/provisioning/values: setting.ExpandVar,
 * then os.ExpandEnv): `${NAME}` and `$NAME` become the variable's value, empty when unset.
 * There is no `${NAME:-default}`: the whole `NAME:-default` is taken as the name.
 */
const grafanaExpand = (value: string, env: Record<string, string>) =>
  value.replace(/\$(?:\{([^}]+)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_, braced: string | undefined, bare: string | undefined) => env[braced ?? bare ?? ''] ?? '');

test(
  'compose: Grafana\'s datasource URL expands to the compose Prometheus',
  () => {
    const env = envMap(compose().services.grafana.environment);
    const ds = readYaml('grafana/provisioning/datasources/prometheus.yml').datasources[0];
    assert.equal(grafanaExpand(String(ds.url), env), env.PROMETHEUS_URL);
  },
);

test('compose: Prometheus gets the compose configuration and the shared rules', () => {
  const prom = compose().services.prometheus;
  const configFile = /--config\.file=(\S+)/.exec((prom.command as string[]).join(' '))?.[1];
  assert.ok(configFile);
  const m = mounts(prom);
  assert.deepEqual(m.find(([, target]) => target === configFile), [`${COMPOSE_DIR}/prometheus.yml`, configFile]);
  const rulesMount = m.find(([src]) => src === 'deploy/prometheus/rules');
  assert.ok(rulesMount, 'deploy/prometheus/rules is mounted');
  // rule_files resolve relative to the configuration file: rules/<file> beside it, the same
  // files as the local configuration's.
  assert.equal(rulesMount[1], posix.join(posix.dirname(configFile), 'rules'));
  assert.deepEqual(composePrometheus().rule_files, localPrometheus().rule_files);
  for (const f of composePrometheus().rule_files as string[]) {
    assert.match(f, /^rules\/[^/*]+\.yml$/);
    assert.ok(existsSync(repoPath(`deploy/prometheus/${f}`)), `rule file ${f} missing`);
  }
});

// ---------------------------------------------------------------- Dockerfile

function dockerfile() {
  const lines = readText(`${COMPOSE_DIR}/Dockerfile`).replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const instr = (name: string) => lines.filter((l) => l.toUpperCase().startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());
  return { instr };
}

test('Dockerfile: ENTRYPOINT runs the CLI package.json names with its shebang\'s Node flags, as a non-root user, from a pinned base image', () => {
  const d = dockerfile();
  const entrypoint = JSON.parse(d.instr('ENTRYPOINT').at(-1)!) as string[];
  const flags = cliNodeFlags();
  assert.ok(flags, 'the CLI starts with "#!/usr/bin/env -S node <flags>"');
  assert.deepEqual(entrypoint, ['node', ...flags, packageJson.bin.cashtag]);
  for (const from of d.instr('FROM')) {
    const tag = imageTag(from.split(/\s+/)[0]);
    assert.ok(tag && tag !== 'latest', `FROM ${from} is not pinned`);
    assert.match(from, /^node:20[.-]/, 'Node 20 (package.json engines)');
  }
  const user = d.instr('USER').at(-1);
  assert.ok(user && !/^(root|0)(:|$)/.test(user), 'runs as a non-root user');
  const exposed = d.instr('EXPOSE').flatMap((e) => e.split(/\s+/)).map(Number);
  const env = envMap(compose().services.pipeline.environment);
  assert.ok(exposed.includes(Number(env.METRICS_PORT)) && exposed.includes(Number(env.HTTP_PORT)), `EXPOSE ${exposed.join(' ')}`);
  for (const e of d.instr('ENV')) for (const [, name] of e.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=/g)) assert.ok(isKnownVariable(name), `Dockerfile ENV ${name} is not a cashtag setting`);
});

test('Dockerfile: the .dockerignore lets in everything the build copies from the context', () => {
  const ignore = readText(`${COMPOSE_DIR}/Dockerfile.dockerignore`).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  assert.equal(ignore[0], '**', 'an allow-list: everything else stays out');
  const allowed = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/\*\*$/, '')));
  for (const copy of dockerfile().instr('COPY').filter((c) => !c.startsWith('--from'))) {
    const sources = copy.split(/\s+/).slice(0, -1);
    for (const src of sources) {
      assert.ok(allowed.has(src), `COPY ${src}: excluded by Dockerfile.dockerignore`);
      assert.ok(existsSync(repoPath(src)), `COPY ${src}: missing in the repository`);
    }
  }
});

// ---------------------------------------------------------------- Kubernetes

const K8S_DIR = 'deploy/k8s';
const k8sFiles = () => listDir(K8S_DIR).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
const k8s = (): Node[] => k8sFiles().flatMap((f) => readYamlAll(`${K8S_DIR}/${f}`));
const ofKind = (docs: Node[], kind: string) => docs.filter((d) => d.kind === kind);
const named = (docs: Node[], kind: string, name: string) => {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(d, `no ${kind} ${name} in ${K8S_DIR}`);
  return d;
};
const workloads = (docs: Node[]) => docs.filter((d) => d.kind === 'StatefulSet' || d.kind === 'Deployment');
const containers = (w: Node): Node[] => w.spec.template.spec.containers;
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const containerPort = (c: Node, name: string): number => {
  const p = (c.ports as Node[]).find((x) => x.name === name);
  assert.ok(p, `container ${c.name} has no port named ${name}`);
  return p.containerPort;
};

/** The environment a container gets: envFrom ConfigMaps and Secrets, then env (value or ref). */
function containerEnv(docs: Node[], c: Node): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of (c.envFrom ?? []) as Node[]) {
    if (from.configMapRef) Object.assign(env, named(docs, 'ConfigMap', from.configMapRef.name).data);
    // An optional Secret the manifests leave to the user (cashtag-api: API_TOKEN) adds nothing here.
    if (from.secretRef && !(from.secretRef.optional === true && !docs.some((d) => d.kind === 'Secret' && d.metadata.name === from.secretRef.name))) {
      const s = named(docs, 'Secret', from.secretRef.name);
      Object.assign(env, s.stringData, Object.fromEntries(Object.entries((s.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])));
    }
  }
  for (const e of (c.env ?? []) as Node[]) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const value = named(docs, 'ConfigMap', ref.name).data[ref.key];
      assert.ok(value !== undefined, `${c.name}: ${e.name} refers to missing key ${ref.key} of ConfigMap ${ref.name}`);
      env[e.name] = String(value);
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const s = named(docs, 'Secret', ref.name);
      env[e.name] = String(s.stringData?.[ref.key] ?? Buffer.from(s.data[ref.key], 'base64').toString());
    }
  }
  return env;
}

test('k8s: kustomization lists every manifest; everything lives in namespace cashtag', () => {
  const kustomization = readYaml(`${K8S_DIR}/kustomization.yaml`);
  assert.deepEqual([...kustomization.resources].sort(), k8sFiles());
  assert.equal(kustomization.namespace, 'cashtag');
  const docs = k8s();
  named(docs, 'Namespace', 'cashtag');
  for (const d of docs) if (d.kind !== 'Namespace') assert.equal(d.metadata.namespace, 'cashtag', `${d.kind} ${d.metadata.name}`);
});

test('k8s: every variable in the ConfigMap, the Secret and the containers is a cashtag setting, and the values parse', () => {
  const docs = k8s();
  for (const cm of ofKind(docs, 'ConfigMap')) for (const k of Object.keys(cm.data)) assert.ok(isKnownVariable(k), `ConfigMap ${cm.metadata.name}: ${k} is not a cashtag setting`);
  for (const s of ofKind(docs, 'Secret')) for (const k of Object.keys({ ...s.stringData, ...s.data })) assert.ok(isKnownVariable(k), `Secret ${s.metadata.name}: ${k} is not a cashtag setting`);
  for (const w of workloads(docs)) {
    for (const c of containers(w)) {
      for (const e of (c.env ?? []) as Node[]) assert.ok(isKnownVariable(e.name), `${w.metadata.name}: ${e.name} is not a cashtag setting`);
      assertValidConfig(containerEnv(docs, c), `${w.kind} ${w.metadata.name}`);
    }
  }
});

test('k8s: the API and /metrics listen beyond the pod, where probes, Services and Prometheus connect', () => {
  const docs = k8s();
  for (const w of workloads(docs)) {
    for (const c of containers(w)) {
      const cfg = loadConfig({}, containerEnv(docs, c));
      assert.ok(!isLoopback(cfg.metricsHost), `${w.metadata.name}: METRICS_HOST ${cfg.metricsHost} is loopback: Prometheus cannot scrape it`);
      if ((c.ports as Node[]).some((p) => p.name === 'http')) assert.ok(!isLoopback(cfg.httpHost), `${w.metadata.name}: HTTP_HOST ${cfg.httpHost} is loopback: the probes would fail`);
    }
  }
});

test('k8s: images are pinned; cashtag at the package version', () => {
  const docs = k8s();
  for (const w of workloads(docs)) {
    for (const c of containers(w)) {
      const tag = imageTag(c.image);
      assert.ok(tag && tag !== 'latest', `${w.metadata.name}: image ${c.image} is not pinned`);
      if (c.image.startsWith('cashtag:')) assert.equal(tag, packageJson.version);
    }
  }
  const images = readYaml(`${K8S_DIR}/kustomization.yaml`).images as Node[];
  assert.equal(images.find((i) => i.name === 'cashtag')?.newTag, packageJson.version);
});

test('k8s: the pipeline is a StatefulSet in the consumer group, with a governing headless Service and a volume for DATA_DIR', () => {
  const docs = k8s();
  const sts = named(docs, 'StatefulSet', 'cashtag-pipeline');
  const [c] = containers(sts);
  assert.deepEqual(c.args, ['run']);
  const env = containerEnv(docs, c);
  assert.ok(env.KAFKA_GROUP_ID && env.KAFKA_BROKERS && env.CASSANDRA_CONTACT_POINTS && env.S3_ENDPOINT && env.S3_ACCESS_KEY && env.S3_SECRET_KEY, 'stack settings present');
  const headless = named(docs, 'Service', sts.spec.serviceName);
  assert.equal(headless.spec.clusterIP, 'None');
  assert.ok(matches(headless.spec.selector, sts.spec.template.metadata.labels));
  assert.ok(matches(sts.spec.selector.matchLabels, sts.spec.template.metadata.labels));
  const claim = sts.spec.volumeClaimTemplates[0].metadata.name;
  assert.equal((c.volumeMounts as Node[]).find((v) => v.name === claim)?.mountPath, env.DATA_DIR);
  // Several replicas split the tasks only when windows and join read the repartition topic
  // (with ANALYTICS_SHUFFLE=local a replica given fewer than all partitions stops).
  if (sts.spec.replicas > 1) assert.equal(loadConfig({}, env).analyticsShuffle, 'kafka', `${sts.spec.replicas} replicas need ANALYTICS_SHUFFLE=kafka`);
});

test('k8s: metrics and HTTP ports agree from the setting to the container, Service, annotations, monitors and Prometheus targets', () => {
  const docs = k8s();
  const sts = named(docs, 'StatefulSet', 'cashtag-pipeline');
  const [c] = containers(sts);
  const env = containerEnv(docs, c);
  const metricsPort = Number(env.METRICS_PORT);
  assert.equal(containerPort(c, 'metrics'), metricsPort);
  assert.equal(containerPort(c, 'http'), Number(env.HTTP_PORT));
  assert.equal(sts.spec.template.metadata.annotations['prometheus.io/port'], String(metricsPort));
  assert.equal(sts.spec.template.metadata.annotations['prometheus.io/scrape'], 'true');
  assert.equal(sts.spec.template.metadata.annotations['prometheus.io/path'], '/metrics');
  // The same port in the local Prometheus configuration and compose.
  assert.deepEqual(scrapeTargets(localPrometheus(), 'cashtag-pipeline').map(portOf), [metricsPort]);
  assert.equal(Number(envMap(compose().services.pipeline.environment).METRICS_PORT), metricsPort);

  // ServiceMonitor → exactly one Service (so each pod is scraped once), on its metrics port.
  const sm = named(docs, 'ServiceMonitor', 'cashtag-pipeline');
  assert.equal(sm.apiVersion, 'monitoring.coreos.com/v1');
  const selected = ofKind(docs, 'Service').filter((s) => matches(sm.spec.selector.matchLabels, s.metadata.labels));
  assert.equal(selected.length, 1, 'the ServiceMonitor selects one Service');
  const [svc] = selected;
  assert.ok(matches(svc.spec.selector, sts.spec.template.metadata.labels), 'the Service selects the pipeline pods');
  for (const endpoint of sm.spec.endpoints as Node[]) {
    const port = (svc.spec.ports as Node[]).find((p) => p.name === endpoint.port);
    assert.ok(port, `ServiceMonitor port ${endpoint.port} is not a port of Service ${svc.metadata.name}`);
    assert.equal(port.port, metricsPort);
    assert.ok(port.targetPort === 'metrics' || port.targetPort === metricsPort);
    assert.equal(endpoint.path, '/metrics');
  }
  const http = (svc.spec.ports as Node[]).find((p) => p.name === 'http');
  assert.equal(http?.port, Number(env.HTTP_PORT));
  // The job label the alert rules expect.
  assert.equal(svc.metadata.labels[sm.spec.jobLabel] ?? svc.metadata.name, 'cashtag-pipeline');

  // Producers: one Deployment per topic, each port from its setting to the container and annotation.
  const producers = ofKind(docs, 'Deployment').filter((d) => containers(d)[0].args[0] === 'produce');
  assert.deepEqual(producers.map((d) => containers(d)[0].args[1]).sort(), ['prices', 'tweets']);
  const ports = producers.map((d) => {
    const [pc] = containers(d);
    const port = Number(containerEnv(docs, pc).PRODUCER_METRICS_PORT);
    assert.equal(containerPort(pc, 'metrics'), port, d.metadata.name);
    assert.equal(d.spec.template.metadata.annotations['prometheus.io/port'], String(port), d.metadata.name);
    assert.ok(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels), d.metadata.name);
    return port;
  });
  assert.deepEqual(ports.sort(), scrapeTargets(localPrometheus(), 'cashtag-producers').map(portOf).sort(), 'the producers ports of deploy/prometheus/prometheus.yml');
  assert.deepEqual(ports.sort(), scrapeTargets(composePrometheus(), 'cashtag-producers').map(portOf).sort(), 'the producers ports of compose');
  const pm = named(docs, 'PodMonitor', 'cashtag-producers');
  for (const d of producers) {
    const labels = d.spec.template.metadata.labels;
    assert.ok(matches(pm.spec.selector.matchLabels, labels), `PodMonitor selects ${d.metadata.name}`);
    assert.equal(labels[pm.spec.jobLabel], 'cashtag-producers', 'job label of the alert rules');
  }
  assert.equal(pm.spec.podMetricsEndpoints[0].port, 'metrics');
});

test('k8s: every container has resource requests and limits, and probes on a named port it declares', () => {
  for (const w of workloads(k8s())) {
    for (const c of containers(w)) {
      for (const kind of ['requests', 'limits']) assert.ok(c.resources?.[kind]?.cpu && c.resources?.[kind]?.memory, `${w.metadata.name}: resources.${kind}`);
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        const get = c[probe]?.httpGet;
        assert.ok(get, `${w.metadata.name}: ${probe}`);
        // The pipeline is probed on its serving layer (/healthz alive, /readyz store and lake
        // reachable); the producers, which serve only metrics, on /metrics.
        const isPipeline = (c.ports as Node[]).some((x) => x.name === 'http');
        const expected = isPipeline ? (probe === 'livenessProbe' ? '/healthz' : '/readyz') : '/metrics';
        assert.equal(get.path, expected, `${w.metadata.name}: ${probe} path`);
        assert.equal(containerPort(c, get.port), containerPort(c, isPipeline ? 'http' : 'metrics'));
      }
    }
  }
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
test('k8s: kubectl kustomize builds the manifests', { skip: kubectl.status === 0 ? false : 'kubectl not installed' }, () => {
  const r = spawnSync('kubectl', ['kustomize', repoPath(K8S_DIR)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /kind: StatefulSet/);
});
