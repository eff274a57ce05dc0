// infra/ against the code: every .tf file is parsed (no terraform binary
// needed) and checked for the names the code uses (topics, subscriptions,
// entry points, dataset, tables, columns), for least-privilege IAM and for the
// delivery settings the functions rely on (OIDC push, backoff, dead letters,
// concurrency). A rename on either side fails here, not at deploy time.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DATASET, FUNCTIONS, FUNCTION_HEAP_MIB, FUNCTION_NAMES, GATEWAY_ROUTE, INSTANCE_MEMORY_MIB, TABLES, TOPICS } from '../../functions/lib/names.js';
import { INT_SETTINGS, loadConfig } from '../../functions/lib/config.js';
import { ALL_TABLES } from '../../schemas/bigquery-tables.js';
import { DEDUP_VIEWS, dedupViewSql } from '../../schemas/bigquery-views.js';
import { REST_TYPE, type RestField } from '../../tools/gen-infra/bigquery-schema-json.js';
import { generatedFiles } from '../../tools/gen-infra/main.js';
import {
  allStrings,
  block,
  blocks,
  isBody,
  listTfFiles,
  locals,
  namedBlocks,
  parseTfFiles,
  resources,
  type HclBody,
  type TfFile,
} from '../../tools/gen-infra/terraform-files.js';

const ROOT = path.resolve(__dirname, '../../..');
const MODULES = ['pubsub', 'functions', 'bigquery', 'firestore', 'iam', 'gateway'] as const;
const ENV = 'infra/envs/prod';

function str(v: unknown, what: string): string {
  assert.equal(typeof v, 'string', `${what}: expected a string, got ${JSON.stringify(v)}`);
  return v as string;
}

function body(v: unknown, what: string): HclBody {
  assert.ok(isBody(v), `${what}: expected an object, got ${JSON.stringify(v)}`);
  return v;
}

describe('infra/ (Terraform) matches the code', function () {
  let files: TfFile[];
  let envLocals: HclBody;
  let envTopics: Record<string, string>;
  let envFunctions: Record<string, HclBody>;

  /** `${local.topics.x}` in the env -> the topic name. */
  const topicOf = (expr: unknown, what: string): string => {
    const s = str(expr, what);
    const m = /^\$\{local\.topics\.(\w+)\}$/.exec(s);
    const name = m ? envTopics[m[1] as string] : s;
    assert.ok(name, `${what}: ${s} is not a known topic`);
    return name;
  };
  const envModule = (name: string): HclBody => {
    const m = namedBlocks(files, 'module').find((x) => x.file.dir === ENV && x.name === name);
    assert.ok(m, `${ENV} does not use module "${name}"`);
    return m.body;
  };
  const fnKeyOf = (entryPoint: string): string => {
    const key = Object.keys(envFunctions).find((k) => envFunctions[k]?.entry_point === entryPoint);
    assert.ok(key, `no function in ${ENV} locals.functions has entry_point = "${entryPoint}"`);
    return key;
  };

  before(async function () {
    this.timeout(30_000); // first WASM instantiation
    files = await parseTfFiles(ROOT);
    envLocals = locals(files, ENV);
    envTopics = body(envLocals.topics, `${ENV} locals.topics`) as Record<string, string>;
    envFunctions = body(envLocals.functions, `${ENV} locals.functions`) as Record<string, HclBody>;
  });

  describe('layout', function () {
    for (const dir of [...MODULES.map((m) => `infra/modules/${m}`), ENV]) {
      it(`${dir} has main.tf, variables.tf, outputs.tf, versions.tf`, function () {
        for (const f of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf']) {
          assert.ok(existsSync(path.join(ROOT, dir, f)), `${dir}/${f} is missing`);
        }
      });
      it(`${dir}/versions.tf pins terraform and hashicorp/google`, function () {
        const tf = files.find((f) => f.rel === `${dir}/versions.tf`);
        const terraform = block(tf?.body, 'terraform');
        assert.match(str(terraform?.required_version, `${dir} required_version`), />=\s*1\.\d+/);
        const providers = body(block(terraform, 'required_providers'), `${dir} required_providers`);
        const google = body(providers.google, `${dir} required_providers.google`);
        assert.equal(google.source, 'hashicorp/google');
        assert.match(str(google.version, `${dir} google version`), /^~>\s*\d+\.\d+/, `${dir}: pin google to a major version`);
      });
    }
    it('every .tf file parses', function () {
      assert.equal(files.length, listTfFiles(ROOT).length);
      assert.ok(files.length >= 24, `expected at least 24 .tf files, found ${files.length}`);
    });
  });

  describe('names (functions/lib/names.ts)', function () {
    for (const [key, topic] of Object.entries(TOPICS)) {
      it(`topic ${key} = "${topic}" is created`, function () {
        assert.ok(Object.values(envTopics).includes(topic), `${ENV} locals.topics lacks "${topic}": ${JSON.stringify(envTopics)}`);
        const created = Object.keys(body(envModule('pubsub').topics, 'module.pubsub topics')).map((k) => topicOf(k.replace(/^\$\{\((.*)\)\}$/, '${$1}'), 'topics key'));
        assert.ok(created.includes(topic), `module.pubsub.topics lacks "${topic}"`);
      });
    }

    for (const name of FUNCTION_NAMES) {
      it(`function ${name}: entry point, concurrency ${FUNCTIONS[name].concurrency}, subscription "${FUNCTIONS[name].subscription}" on "${FUNCTIONS[name].topic}"`, function () {
        const fn = envFunctions[fnKeyOf(name)] as HclBody;
        assert.equal(fn.subscription, FUNCTIONS[name].subscription, `${name}: subscription name differs from names.ts`);
        assert.equal(topicOf(fn.topic, `${name}.topic`), FUNCTIONS[name].topic, `${name}: pushed from the wrong topic`);
        assert.equal(fn.concurrency, FUNCTIONS[name].concurrency, `${name}: concurrency differs from names.ts`);
      });
    }

    it('there are no functions beyond names.ts', function () {
      const entryPoints = Object.values(envFunctions).map((f) => f.entry_point).sort();
      assert.deepEqual(entryPoints, [...FUNCTION_NAMES].sort());
    });

    it('push subscriptions are made from locals.functions (one per function)', function () {
      const subs = str(envModule('pubsub').push_subscriptions, 'push_subscriptions');
      assert.match(subs, /for name, f in local\.functions : f\.subscription =>/);
    });

    it('functions get the topic and dataset names config.ts reads', function () {
      const env = body(envModule('functions').environment, 'module.functions environment');
      assert.deepEqual(Object.keys(env).sort(), ['BQ_DATASET', 'BQ_WRITE_API', 'GOOGLE_CLOUD_PROJECT', 'LOG_LEVEL', 'NODE_OPTIONS', 'PUBLISH_ORDERING_KEYS', 'TOPIC_DEADLETTER', 'TOPIC_ENRICHED', 'TOPIC_VALID']);
      assert.equal(env.NODE_OPTIONS, `--max-old-space-size=${FUNCTION_HEAP_MIB}`, 'NODE_OPTIONS heap cap differs from FUNCTION_HEAP_MIB');
      assert.equal(topicOf(env.TOPIC_VALID, 'TOPIC_VALID'), TOPICS.valid);
      assert.equal(topicOf(env.TOPIC_ENRICHED, 'TOPIC_ENRICHED'), TOPICS.enriched);
      assert.equal(topicOf(env.TOPIC_DEADLETTER, 'TOPIC_DEADLETTER'), TOPICS.deadLetter);
      assert.equal(envModule('bigquery').dataset_id, DATASET);
    });

    it('every dead-letter topic is another topic than the subscription\'s own', function () {
      for (const [key, fn] of Object.entries(envFunctions)) {
        const dl = topicOf(fn.dead_letter, `${key}.dead_letter`);
        assert.notEqual(dl, topicOf(fn.topic, `${key}.topic`), `${key}: dead letters would loop`);
        assert.ok(Object.values(envTopics).includes(dl), `${key}: dead-letter topic ${dl} is not created`);
      }
    });
  });

  describe('BigQuery tables (schemas/bigquery-tables.ts)', function () {
    it('generated files are current (run `npm run gen:infra` and commit)', function () {
      for (const [rel, content] of generatedFiles()) {
        assert.ok(existsSync(path.join(ROOT, rel)), `${rel} is missing`);
        assert.equal(readFileSync(path.join(ROOT, rel), 'utf8'), content, `${rel} is stale`);
      }
    });

    it('the bigquery module reads the generated schema files', function () {
      const tables = resources(files, 'google_bigquery_table').filter((r) => r.name === 'table');
      assert.equal(tables.length, 1);
      assert.equal(tables[0]?.body.schema, '${file("${path.module}/schemas/${each.key}.json")}');
    });

    const bqLocals = (): Record<string, HclBody> => body(locals(files, 'infra/modules/bigquery').tables, 'bigquery locals.tables') as Record<string, HclBody>;

    it('creates exactly the tables of names.ts', function () {
      assert.deepEqual(Object.keys(bqLocals()).sort(), Object.values(TABLES).sort());
    });

    for (const t of ALL_TABLES) {
      it(`${t.tableId}: partitioned by DAY(${t.timePartitioning.field}), clustered by ${t.clustering.join(', ')}`, function () {
        const spec = body(bqLocals()[t.tableId], t.tableId);
        assert.equal(spec.partition_field, t.timePartitioning.field);
        assert.deepEqual(spec.clustering, t.clustering);
        const res = resources(files, 'google_bigquery_table').find((r) => r.name === 'table');
        assert.equal(block(res?.body, 'time_partitioning')?.type, t.timePartitioning.type);
      });

      it(`${t.tableId}: schema JSON has every column with its type and mode`, function () {
        const json = JSON.parse(readFileSync(path.join(ROOT, `infra/modules/bigquery/schemas/${t.tableId}.json`), 'utf8')) as RestField[];
        assert.deepEqual(json.map((c) => c.name), t.fields.map((c) => c.name), `${t.tableId}: columns differ`);
        for (const [i, col] of t.fields.entries()) {
          const got = json[i] as RestField;
          assert.equal(got.type, REST_TYPE[col.type], `${t.tableId}.${col.name}: type ${got.type}, code has ${col.type}`);
          assert.equal(got.mode, col.mode, `${t.tableId}.${col.name}: mode ${got.mode}, code has ${col.mode}`);
          assert.ok(got.description, `${t.tableId}.${col.name}: no description`);
        }
      });
    }

    for (const v of DEDUP_VIEWS) {
      it(`${v.viewId}: the view schemas/bigquery-views.ts defines (same key, order and base table)`, function () {
        const view = resources(files, 'google_bigquery_table').find((r) => r.name === v.viewId);
        assert.ok(view, `no ${v.viewId} view`);
        assert.equal(view.body.table_id, v.viewId);
        const q = str(block(view.body, 'view')?.query, 'view query').replace(/\s+/g, ' ').trim();
        const want = dedupViewSql(v, `TABLE_REF`).replace(/\s+/g, ' ');
        const tableRef = new RegExp(`\\$\\{google_bigquery_table\\.table\\["${v.table}"\\]\\.table_id\\}\``);
        assert.match(q, tableRef, 'reads its base table');
        assert.equal(q.replace(/`[^`]*`/, 'TABLE_REF'), want);
        assert.equal(block(view.body, 'view')?.use_legacy_sql, false);
      });
    }

    it('readings_dedup keeps one row per (event_id, metric) with QUALIFY ROW_NUMBER()', function () {
      const view = resources(files, 'google_bigquery_table').find((r) => r.name === 'readings_dedup');
      assert.ok(view, 'no readings_dedup view');
      assert.equal(view.body.table_id, 'readings_dedup');
      const q = str(block(view.body, 'view')?.query, 'view query');
      assert.match(q, /QUALIFY ROW_NUMBER\(\) OVER \(PARTITION BY event_id, metric\b/);
      assert.equal(block(view.body, 'view')?.use_legacy_sql, false);
    });
  });

  describe('Pub/Sub delivery', function () {
    const push = (): HclBody => {
      const r = resources(files, 'google_pubsub_subscription').find((x) => x.name === 'push');
      assert.ok(r, 'no google_pubsub_subscription.push');
      return r.body;
    };
    const cases: [string, (b: HclBody) => void][] = [
      ['push with an OIDC token (service account + audience)', (b) => {
        const oidc = block(block(b, 'push_config'), 'oidc_token');
        assert.ok(oidc?.service_account_email && oidc.audience, 'push_config.oidc_token needs service_account_email and audience');
      }],
      ['retry with exponential backoff', (b) => {
        const r = block(b, 'retry_policy');
        assert.ok(r?.minimum_backoff && r.maximum_backoff, 'retry_policy needs minimum_backoff and maximum_backoff');
      }],
      ['dead-letter policy with max attempts', (b) => {
        const d = block(b, 'dead_letter_policy');
        assert.ok(d?.dead_letter_topic && d.max_delivery_attempts, 'dead_letter_policy needs dead_letter_topic and max_delivery_attempts');
      }],
      ['ack deadline, retention and ordering are set', (b) => {
        for (const k of ['ack_deadline_seconds', 'message_retention_duration', 'enable_message_ordering']) assert.ok(k in b, `${k} is not set`);
      }],
    ];
    for (const [what, check] of cases) it(`push subscriptions: ${what}`, () => check(push()));

    it('the env gives every subscription backoff, max attempts and an https endpoint with the topic path', function () {
      const subs = str(envModule('pubsub').push_subscriptions, 'push_subscriptions');
      for (const k of ['minimum_backoff', 'maximum_backoff', 'max_delivery_attempts', 'oidc_audience', 'oidc_service_account_email']) assert.match(subs, new RegExp(`${k}\\s*=`), `${k} missing`);
      assert.match(subs, /push_endpoint\s*=\s*"\$\{module\.functions\.service_uris\[name\]\}\/projects\/\$\{var\.project_id\}\/topics\/\$\{f\.topic\}"/);
    });

    it('ordering keys are off by default and switched on together with ordered subscriptions', function () {
      const v = namedBlocks(files, 'variable').find((x) => x.file.dir === ENV && x.name === 'ordered_subscriptions');
      assert.deepEqual(v?.body.default, [], 'ordered_subscriptions should default to []');
      const env = envModule('functions').environment as Record<string, unknown>;
      assert.match(str(env.PUBLISH_ORDERING_KEYS, 'PUBLISH_ORDERING_KEYS'), /length\(var\.ordered_subscriptions\) > 0/);
      assert.equal(loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-iot' }).publishOrderingKeys, false);
    });

    it('subscriptions are ordered exactly where the functions publish with ordering keys', function () {
      // Read from the functions' code: publisher(config().topicX, { ordering: true }).
      const configField: Record<string, string> = { topicValid: TOPICS.valid, topicEnriched: TOPICS.enriched, topicDeadLetter: TOPICS.deadLetter };
      const orderedTopics = new Set<string>();
      for (const name of FUNCTION_NAMES) {
        const dir = path.join(ROOT, 'functions', name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
        const src = existsSync(path.join(dir, 'function.ts')) ? readFileSync(path.join(dir, 'function.ts'), 'utf8') : '';
        for (const m of src.matchAll(/publisher\(config\(\)\.(topic\w+),\s*\{\s*ordering:\s*true/g)) {
          const topic = configField[m[1] as string];
          assert.ok(topic, `${name} publishes with ordering to an unknown config field ${m[1]}`);
          orderedTopics.add(topic);
        }
      }
      const expected = FUNCTION_NAMES.filter((n) => orderedTopics.has(FUNCTIONS[n].topic)).map((n) => FUNCTIONS[n].subscription).sort();
      const v = namedBlocks(files, 'variable').find((x) => x.file.dir === ENV && x.name === 'ordered_subscriptions');
      assert.deepEqual([...((v?.body.default as string[] | undefined) ?? [])].sort(), expected, `ordered topics in the code: ${JSON.stringify([...orderedTopics])}`);
      assert.match(str(envModule('pubsub').push_subscriptions, 'push_subscriptions'), /enable_message_ordering\s*=\s*contains\(var\.ordered_subscriptions, f\.subscription\)/);
    });

    it('the Pub/Sub service agent may publish dead letters and ack the source', function () {
      const pub = resources(files, 'google_pubsub_topic_iam_member').find((r) => r.name === 'agent_publishes_dead_letters');
      const sub = resources(files, 'google_pubsub_subscription_iam_member').find((r) => r.name === 'agent_acks_source');
      assert.equal(pub?.body.role, 'roles/pubsub.publisher');
      assert.equal(sub?.body.role, 'roles/pubsub.subscriber');
      assert.match(str(locals(files, 'infra/modules/pubsub').pubsub_agent, 'pubsub_agent'), /gcp-sa-pubsub\.iam\.gserviceaccount\.com/);
    });
  });

  describe('functions', function () {
    const fn = (): HclBody => {
      const r = resources(files, 'google_cloudfunctions2_function');
      assert.equal(r.length, 1, 'expected one google_cloudfunctions2_function (for_each over the functions)');
      return (r[0] as { body: HclBody }).body;
    };

    it('gen2 on nodejs22 with the entry point by name, from one source archive', function () {
      const build = block(fn(), 'build_config');
      assert.equal(build?.runtime, 'nodejs22', `runtime is ${String(build?.runtime)}, the code targets Node 22`);
      assert.equal(build?.entry_point, '${each.value.entry_point}');
      assert.equal(block(block(build, 'source'), 'storage_source')?.object, '${google_storage_bucket_object.source.name}');
      const archive = str(locals(files, 'infra/modules/functions').source_files, 'source_files');
      for (const p of ['build/functions/**', 'package.json', 'package-lock.json']) assert.ok(archive.includes(p), `the archive lacks ${p}`);
    });

    it('pushed by our subscriptions, not an Eventarc trigger; internal ingress', function () {
      assert.equal(blocks(fn(), 'event_trigger').length, 0, 'event_trigger would create a second, unmanaged subscription');
      assert.equal(block(fn(), 'service_config')?.ingress_settings, 'ALLOW_INTERNAL_ONLY');
    });

    it('every function: concurrency > 1 with a whole CPU, 256Mi, its own service account', function () {
      const m = str(envModule('functions').functions, 'module.functions functions');
      // The value is each function's `concurrency` (checked against names.ts above).
      assert.match(m, /max_instance_request_concurrency\s*=\s*try\(var\.function_scaling\[name\]\.small, false\) \? 1 : f\.concurrency\b/, 'max_instance_request_concurrency must come from locals.functions (1 for a small instance)');
      for (const name of FUNCTION_NAMES) assert.ok(FUNCTIONS[name].concurrency > 1 && FUNCTIONS[name].concurrency <= 1000, `${name}: concurrency must be 2..1000`);
      assert.match(m, /available_cpu\s*=\s*try\(var\.function_scaling\[name\]\.small, false\) \? "0\.167" : "1"/);
      assert.match(m, /billing\s*=\s*try\(var\.function_scaling\[name\]\.billing, "request"\)/);
      assert.match(m, new RegExp(`available_memory\\s*=\\s*"${INSTANCE_MEMORY_MIB}Mi"`), 'available_memory differs from INSTANCE_MEMORY_MIB');
      assert.match(m, /service_account_email\s*=\s*module\.iam\.function_service_account_emails\[name\]/);
      const sas = Object.values(envFunctions).map((f) => f.service_account);
      assert.equal(new Set(sas).size, sas.length, `service accounts are shared: ${JSON.stringify(sas)}`);
    });

    it('billing is set on each function\'s Cloud Run service (request: CPU throttling on; instance: off)', function () {
      const r = resources(files, 'terraform_data').find((x) => (x as { name?: string }).name === 'billing') as { body: HclBody } | undefined;
      assert.ok(r, 'terraform_data "billing" in the functions module');
      const text = JSON.stringify(r.body);
      assert.match(text, /--no-cpu-throttling/);
      assert.match(text, /--cpu-throttling/);
      assert.match(text, /each\.value\.billing == \\"instance\\"/);
    });

    it('Cloud Run request logs of the functions are excluded, or sampled by request_log_share', function () {
      const ex = resources(files, 'google_logging_project_exclusion');
      assert.equal(ex.length, 1);
      const text = JSON.stringify((ex[0] as { body: HclBody }).body);
      assert.match(text, /run\.googleapis\.com\/requests/);
      assert.match(text, /sample\(insertId/);
      assert.match(text, /var\.request_log_share < 1/);
    });

    it('int-settings.json lists every INT_SETTINGS variable with its bounds', function () {
      const json = JSON.parse(readFileSync(path.join(ROOT, 'infra/modules/functions/int-settings.json'), 'utf8')) as Record<string, { min: number; max: number }>;
      for (const s of Object.values(INT_SETTINGS)) assert.deepEqual([json[s.env]?.min, json[s.env]?.max], [s.min, s.max], s.env);
    });
  });

  describe('least privilege', function () {
    const FORBIDDEN: [RegExp, string][] = [
      [/^roles\/owner$/, 'owner'],
      [/^roles\/editor$/, 'editor'],
      [/\.admin$|^roles\/.*[aA]dmin$/, 'an admin role'],
    ];
    const roleResources = (): { type: string; name: string; role: string; file: string }[] =>
      files.flatMap((f) =>
        resources([f]).filter((r) => 'role' in r.body).map((r) => ({ type: r.type, name: r.name, role: str(r.body.role, `${r.type}.${r.name}.role`), file: f.rel })),
      );

    it('no owner, editor or admin role anywhere (role attributes, for_each sets, module inputs)', function () {
      for (const r of roleResources()) {
        for (const [re, what] of FORBIDDEN) assert.doesNotMatch(r.role, re, `${r.file}: ${r.type}.${r.name} grants ${what} (${r.role})`);
      }
      for (const f of files) {
        const named = allStrings([f.body.resource, f.body.module, f.body.locals]).flatMap((s) => s.match(/roles\/[A-Za-z0-9_.]+/g) ?? []);
        for (const role of named) for (const [re, what] of FORBIDDEN) assert.doesNotMatch(role, re, `${f.rel} names ${what}: ${role}`);
      }
    });

    it('project-level roles are only Firestore access and the builder\'s log/artifact writing and source reading', function () {
      // Only these two project-level bindings exist; their roles come from the maps checked below.
      const projectLevel = roleResources().filter((x) => x.type.startsWith('google_project_iam') || x.type.startsWith('google_organization_iam') || x.type.startsWith('google_folder_iam'));
      assert.deepEqual(projectLevel.map((r) => `${r.file}: ${r.type}.${r.name}`).sort(), [
        // The device gateway: registry reads and writes in Firestore, and its logs.
        'infra/modules/gateway/main.tf: google_project_iam_member.gateway_firestore',
        'infra/modules/gateway/main.tf: google_project_iam_member.gateway_logs',
        'infra/modules/iam/main.tf: google_project_iam_member.builder',
        'infra/modules/iam/main.tf: google_project_iam_member.builder_reads_function_sources',
        'infra/modules/iam/main.tf: google_project_iam_member.function_firestore',
      ]);
      assert.deepEqual(projectLevel.filter((r) => r.file.startsWith('infra/modules/gateway/')).map((r) => r.role).sort(), ['roles/datastore.user', 'roles/logging.logWriter']);
      const sources = projectLevel.find((r) => r.name === 'builder_reads_function_sources');
      assert.equal(sources?.role, 'roles/storage.objectViewer');
      const cond = resources(files, 'google_project_iam_member').find((r) => r.name === 'builder_reads_function_sources');
      assert.match(str(block(cond?.body, 'condition')?.expression, 'condition'), /gcf-v2-sources-/, 'the builder may read only the functions source buckets');
      const fsVar = namedBlocks(files, 'variable').find((v) => v.file.dir === 'infra/modules/iam' && v.name === 'firestore_roles');
      assert.match(str(block(fsVar?.body, 'validation')?.condition, 'firestore_roles validation'), /contains\(\["roles\/datastore\.viewer", "roles\/datastore\.user"\], r\)/);
      const firestore = body(envModule('iam').firestore_roles, 'firestore_roles');
      assert.deepEqual(firestore, { validate: 'roles/datastore.viewer', enrich: 'roles/datastore.viewer', 'sink-firestore': 'roles/datastore.user' });
      const iamMain = files.find((f) => f.rel === 'infra/modules/iam/main.tf');
      const builder = resources(iamMain ? [iamMain] : [], 'google_project_iam_member').find((r) => r.name === 'builder');
      assert.equal(builder?.body.for_each, '${toset(["roles/logging.logWriter", "roles/artifactregistry.writer"])}', `the builder's project roles changed: ${String(builder?.body.for_each)}`);
    });

    it('no members like allUsers / allAuthenticatedUsers, but the gateway\'s HTTP bridge (devices authenticate with JWTs)', function () {
      const publicBridge = resources(files, 'google_cloud_run_v2_service_iam_member').filter((r) => r.body.member === 'allUsers');
      assert.deepEqual(publicBridge.map((r) => `${r.file.rel}: ${r.name} ${String(r.body.role)} on ${String(r.body.name)}`), [
        'infra/modules/gateway/main.tf: public roles/run.invoker on ${google_cloud_run_v2_service.http.name}',
      ]);
      for (const f of files) {
        for (const s of allStrings([f.body.resource, f.body.module, f.body.locals])) {
          if (s === 'allUsers' && f.rel === 'infra/modules/gateway/main.tf') continue;
          assert.doesNotMatch(s, /allUsers|allAuthenticatedUsers/, `${f.rel}: ${s}`);
        }
      }
    });

    it('only the gateway\'s service account may publish to gateway-events, and validate is pushed from it', function () {
      const pubs = resources(files, 'google_pubsub_topic_iam_member').filter((r) => r.body.topic === '${var.events_topic}');
      assert.deepEqual(pubs.map((r) => [r.file.rel, r.body.role, r.body.member]), [['infra/modules/gateway/main.tf', 'roles/pubsub.publisher', '${google_service_account.gateway.member}']]);
      const gw = namedBlocks(files, 'module').find((m) => m.name === 'gateway');
      assert.equal(gw?.body.events_topic, '${module.pubsub.topic_names[local.topics.gateway_events]}');
      const subs = str(envModule('pubsub').push_subscriptions, 'push_subscriptions');
      assert.match(subs, new RegExp(`"${GATEWAY_ROUTE.subscription}"`));
      assert.match(subs, /service_uris\["validate"\]\}\/projects\/\$\{var\.project_id\}\/topics\/\$\{local\.topics\.gateway_events\}/);
    });

    const publishes: [string, string[]][] = [
      ['validate', [TOPICS.valid, TOPICS.deadLetter]],
      ['enrich', [TOPICS.enriched, TOPICS.deadLetter]],
      ['sinkBigquery', [TOPICS.deadLetter]],
      ['sinkFirestore', [TOPICS.deadLetter]],
      ['sinkDeadletter', []],
    ];
    for (const [name, topics] of publishes) {
      it(`${name} may publish to ${topics.join(', ') || 'nothing'} (topic-level bindings only)`, function () {
        const map = body(envModule('iam').topic_publishers, 'topic_publishers');
        const list = map[fnKeyOf(name)];
        assert.ok(Array.isArray(list), `topic_publishers lacks ${fnKeyOf(name)}`);
        const got = list.map((e) => topicOf(str(e, 'topic').replace(/^\$\{module\.pubsub\.topic_names\[local\.topics\.(\w+)\]\}$/, '${local.topics.$1}'), name));
        assert.deepEqual(got.sort(), [...topics].sort(), `${name} publishes to ${JSON.stringify(got)}`);
      });
    }
    it('publish rights are google_pubsub_topic_iam_member (per topic)', function () {
      const r = resources(files, 'google_pubsub_topic_iam_member').find((x) => x.name === 'function_publishes');
      assert.equal(r?.body.role, 'roles/pubsub.publisher');
    });

    const writes: [string, string[]][] = [
      ['sinkBigquery', [TABLES.readings, TABLES.events]],
      ['sinkDeadletter', [TABLES.deadLetter]],
    ];
    for (const [name, tables] of writes) {
      it(`${name} may write ${tables.join(', ')} only (table-level dataEditor)`, function () {
        const map = body(envModule('iam').table_writers, 'table_writers');
        const list = map[fnKeyOf(name)];
        assert.ok(Array.isArray(list));
        assert.deepEqual(list.map((e) => /table_ids\["(\w+)"\]/.exec(str(e, 'table'))?.[1]).sort(), [...tables].sort());
        assert.deepEqual(Object.keys(map).sort(), ['sink-bigquery', 'sink-deadletter']);
      });
    }
    it('table writes are google_bigquery_table_iam_member with dataEditor', function () {
      const r = resources(files, 'google_bigquery_table_iam_member').find((x) => x.name === 'function_writes');
      assert.equal(r?.body.role, 'roles/bigquery.dataEditor');
    });

    it('the push invoker has run.invoker on each function service only', function () {
      const r = resources(files, 'google_cloud_run_v2_service_iam_member').filter((x) => !x.file.rel.startsWith('infra/modules/gateway/'));
      assert.equal(r.length, 1);
      assert.equal(r[0]?.body.role, 'roles/run.invoker');
      assert.equal(r[0]?.body.for_each, '${var.function_services}');
      assert.equal(envModule('iam').function_services, '${module.functions.service_names}');
      assert.equal(envModule('pubsub').push_subscriptions?.toString().includes('module.iam.push_invoker_email'), true);
    });

    it('device publishers may publish to device-events only', function () {
      const r = resources(files, 'google_pubsub_topic_iam_member').find((x) => x.name === 'device_publisher');
      assert.equal(r?.body.role, 'roles/pubsub.publisher');
      assert.equal(r?.body.topic, '${var.device_events_topic}');
      assert.equal(topicOf(str(envModule('iam').device_events_topic, 'device_events_topic').replace(/^\$\{module\.pubsub\.topic_names\[local\.topics\.(\w+)\]\}$/, '${local.topics.$1}'), 'device_events_topic'), TOPICS.deviceEvents);
    });
  });

  describe('Firestore', function () {
    it('rules come from the repository\'s firestore.rules', function () {
      assert.equal(envModule('firestore').rules_file, '${local.repo_root}/firestore.rules');
      assert.ok(existsSync(path.join(ROOT, 'firestore.rules')));
      const release = resources(files, 'google_firebaserules_release')[0];
      assert.equal(release?.body.name, 'cloud.firestore');
    });

    it('composite indexes and field overrides match firestore.indexes.json', function () {
      const json = JSON.parse(readFileSync(path.join(ROOT, 'firestore.indexes.json'), 'utf8')) as {
        indexes: { collectionGroup: string; queryScope: string; fields: { fieldPath: string; order: string }[] }[];
        fieldOverrides: { collectionGroup: string; fieldPath: string; indexes: unknown[] }[];
      };
      const key = (x: unknown): string => JSON.stringify(x);
      const tfIndexes = resources(files, 'google_firestore_index').map((r) => ({
        collectionGroup: r.body.collection,
        queryScope: r.body.query_scope,
        fields: blocks(r.body, 'fields').map((f) => ({ fieldPath: f.field_path, order: f.order })),
      }));
      assert.deepEqual(tfIndexes.map(key).sort(), json.indexes.map(key).sort(), 'composite indexes differ');
      // Terraform's exemptions: google_firestore_field over a for_each set with an empty index_config.
      // The gateway's own fields (collection-group scope, TTL) are checked in their own test below.
      const fields = resources(files, 'google_firestore_field').filter((r) => !r.file.rel.startsWith('infra/modules/gateway/'));
      const tfExempt = fields.flatMap((r) => {
        assert.deepEqual(blocks(r.body, 'index_config'), [{}], `google_firestore_field.${r.name} must have an empty index_config (exemption)`);
        const set = /^\$\{toset\((\[.*\])\)\}$/.exec(str(r.body.for_each, 'for_each'));
        assert.ok(set, `google_firestore_field.${r.name}: for_each must be a literal toset([...])`);
        return (JSON.parse(set[1] as string) as string[]).map((f) => ({ collectionGroup: r.body.collection, fieldPath: f, indexes: [] }));
      });
      const exemptions = json.fieldOverrides.filter((o) => o.indexes.length === 0 && !('ttl' in o));
      assert.deepEqual(tfExempt.map(key).sort(), exemptions.map(key).sort(), 'field overrides differ');
    });

    it('the gateway module enables what firestore.indexes.json enables for the bridges (collection-group scope, command TTL)', function () {
      const json = JSON.parse(readFileSync(path.join(ROOT, 'firestore.indexes.json'), 'utf8')) as { fieldOverrides: { collectionGroup: string; fieldPath: string; ttl?: boolean; indexes: { queryScope: string }[] }[] };
      const groups = json.fieldOverrides.filter((o) => o.indexes.some((x) => x.queryScope === 'COLLECTION_GROUP')).map((o) => `${o.collectionGroup}/${o.fieldPath}`).sort();
      const cg = resources(files, 'google_firestore_field').find((r) => r.name === 'collection_group' && r.file.rel === 'infra/modules/gateway/main.tf');
      const tf = Object.values(body(cg?.body.for_each as HclBody, 'for_each') as Record<string, { collection: string; field: string }>).map((v) => `${v.collection}/${v.field}`).sort();
      assert.deepEqual(tf, groups);
      const ttl = json.fieldOverrides.filter((o) => o.ttl).map((o) => `${o.collectionGroup}/${o.fieldPath}`);
      const tfTtl = resources(files, 'google_firestore_field').filter((r) => blocks(r.body, 'ttl_config').length > 0).map((r) => `${String(r.body.collection)}/${String(r.body.field)}`);
      assert.deepEqual(tfTtl, ttl);
    });
  });

  describe('variables', function () {
    it('every variable has a type and a description', function () {
      const vars = namedBlocks(files, 'variable');
      assert.ok(vars.length > 40, `only ${vars.length} variables found`);
      for (const v of vars) {
        assert.ok(v.body.type, `${v.file.rel}: variable "${v.name}" has no type`);
        assert.ok(typeof v.body.description === 'string' && v.body.description.length > 10, `${v.file.rel}: variable "${v.name}" has no description`);
      }
    });

    it('every string or number variable has a validation block', function () {
      for (const v of namedBlocks(files, 'variable')) {
        if (v.body.type !== '${string}' && v.body.type !== '${number}') continue;
        assert.ok(blocks(v.body, 'validation').length > 0, `${v.file.rel}: variable "${v.name}" (${String(v.body.type)}) has no validation`);
      }
    });

    it('every output has a description', function () {
      for (const o of namedBlocks(files, 'output')) assert.ok(o.body.description, `${o.file.rel}: output "${o.name}" has no description`);
    });
  });
});
