// Products: listing and details are read through the cache, search always queries the database.
import { cached } from '../lib/cache-client.js';
import { Database } from '../lib/database.js';
import { HttpError, serve } from '../lib/http-server.js';
import { PRODUCTS } from '../lib/products.js';
import { currentScenario } from '../lib/runtime.js';

const db = await Database.open('catalog', async (exec) => {
  await exec('CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, name VARCHAR, description VARCHAR, price DOUBLE, stock INTEGER)');
  for (const p of PRODUCTS) {
    await exec('INSERT INTO products VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [p.id, p.name, p.description, p.price, p.stock]);
  }
});

await serve([
  {
    method: 'GET',
    path: '/products',
    handler: async () => ({
      body: await cached('products:all', 10_000, () => db.query('SELECT id, name, price FROM products ORDER BY id')),
    }),
  },
  {
    method: 'GET',
    path: '/products/:id',
    handler: async ({ params }) => {
      const id = Number(params.id);
      if (!Number.isInteger(id)) throw new HttpError(400, 'product ids are integers');
      const product = await cached(`product:${id}`, 60_000, async () => {
        const [row] = await db.query('SELECT id, name, description, price, stock FROM products WHERE id = ?', [id]);
        return row ?? null;
      });
      if (product === null) throw new HttpError(404, `no product ${id}`);
      return { body: product };
    },
  },
  {
    method: 'GET',
    path: '/search',
    handler: async ({ query }) => {
      const q = (query.get('q') ?? '').toLowerCase();
      const slow = currentScenario() === 'slow-db' ? { extraLatencyMs: 250 + Math.random() * 100 } : {};
      const rows = await db.query('SELECT id, name, price FROM products WHERE lower(name) LIKE ? ORDER BY name LIMIT 20', [`%${q}%`], slow);
      return { body: rows };
    },
  },
]);
