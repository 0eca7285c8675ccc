// The authorization matrix (test/support/authz-matrix.ts) against a cluster node: its state in
// PostgreSQL, its messages through RabbitMQ (one node is enough here: the routes and what they
// answer are under test, not the replication). Every cell must answer as on a single node.
import { authorizationMatrix } from '../support/authz-matrix.ts';
import { createDatabase, startPostgres } from '../support/postgres.ts';
import { startRabbitCluster } from '../support/rabbitmq.ts';

authorizationMatrix('cluster node: RabbitMQ, PostgreSQL', async () => {
  const [rabbit, postgres] = await Promise.all([startRabbitCluster(1), startPostgres()]);
  const stateUrl = await createDatabase(postgres, 'mag_authz');
  return {
    env: { MAG_AMQP_URLS: rabbit.urls(), MAG_STATE_URL: stateUrl, MAG_NODE_ID: 'authz' },
    stop: async () => {
      await Promise.all([rabbit.stop(), postgres.stop()]);
    },
  };
});
