// Shopping carts. The cart keeps its own copy of product names and prices (database per service), so it can
// show a cart with one join — or, in the n-plus-one scenario, with one query per item.
import { Database } from '../lib/database.js';
import { HttpError, serve } from '../lib/http-server.js';
import { PRODUCTS } from '../lib/products.js';
import { currentScenario } from '../lib/runtime.js';

interface CartLine {
  productId: number;
  name: string;
  price: number;
  quantity: number;
}

const db = await Database.open('cart', async (exec) => {
  await exec('CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, name VARCHAR, price DOUBLE)');
  await exec('CREATE TABLE IF NOT EXISTS cart_items (user_id VARCHAR, product_id INTEGER, quantity INTEGER, PRIMARY KEY (user_id, product_id))');
  for (const p of PRODUCTS) await exec('INSERT INTO products VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [p.id, p.name, p.price]);
});

async function loadCart(user: string): Promise<CartLine[]> {
  if (currentScenario() !== 'n-plus-one') {
    return db.query<CartLine>(
      'SELECT c.product_id AS "productId", p.name, p.price, c.quantity FROM cart_items c JOIN products p ON p.id = c.product_id WHERE c.user_id = ? ORDER BY c.product_id',
      [user],
    );
  }
  // The N+1 pattern: one query for the rows, then one more per row (what a lazy-loading ORM does quietly).
  const items = await db.query<{ productId: number; quantity: number }>(
    'SELECT product_id AS "productId", quantity FROM cart_items WHERE user_id = ? ORDER BY product_id',
    [user],
  );
  const lines: CartLine[] = [];
  for (const item of items) {
    const [product] = await db.query<{ name: string; price: number }>('SELECT name, price FROM products WHERE id = ?', [item.productId]);
    lines.push({ ...item, name: product.name, price: product.price });
  }
  return lines;
}

await serve([
  {
    method: 'GET',
    path: '/carts/:user',
    handler: async ({ params }) => {
      const lines = await loadCart(params.user);
      const total = Math.round(lines.reduce((sum, l) => sum + l.price * l.quantity, 0) * 100) / 100;
      return { body: { items: lines, total } };
    },
  },
  {
    method: 'POST',
    path: '/carts/:user/items',
    handler: async ({ params, body }) => {
      const { productId, quantity = 1 } = (body ?? {}) as { productId?: unknown; quantity?: unknown };
      if (!Number.isInteger(productId) || !Number.isInteger(quantity) || (quantity as number) < 1) {
        throw new HttpError(400, 'add needs {"productId": <int>, "quantity": <int ≥ 1>}');
      }
      const [known] = await db.query('SELECT id FROM products WHERE id = ?', [productId as number]);
      if (!known) throw new HttpError(404, `no product ${String(productId)}`);
      await db.query(
        'INSERT INTO cart_items VALUES (?, ?, ?) ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity',
        [params.user, productId as number, quantity as number],
      );
      return { status: 201, body: { productId, quantity } };
    },
  },
  {
    method: 'DELETE',
    path: '/carts/:user',
    handler: async ({ params }) => {
      await db.query('DELETE FROM cart_items WHERE user_id = ?', [params.user]);
      return { status: 204 };
    },
  },
]);
