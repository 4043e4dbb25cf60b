// Fulfils orders from the `orders` queue: stores each and sends the confirmation. Its spans join the trace of
// the checkout that queued the order, through the trace context in the message headers.
import { setTimeout as sleep } from 'node:timers/promises';
import { withSpan } from '@sextant/node';
import { consume } from '../lib/broker-client.js';
import { Database } from '../lib/database.js';
import { onExit, ready } from '../lib/runtime.js';

interface Order {
  orderId: string;
  user: string;
  total: number;
  items: { productId: number; quantity: number }[];
}

const db = await Database.open('orders', async (exec) => {
  await exec('CREATE TABLE IF NOT EXISTS orders (id VARCHAR PRIMARY KEY, user_id VARCHAR, total DOUBLE, items INTEGER, created_at TIMESTAMP)');
});

const stopping = new AbortController();
const consuming = consume<Order>(
  'orders',
  async (order) => {
    await db.query('INSERT INTO orders VALUES (?, ?, ?, ?, current_timestamp)', [order.orderId, order.user, order.total, order.items.length]);
    await withSpan('send-confirmation-email', { 'email.template': 'order-confirmation' }, () => sleep(5 + Math.random() * 10));
  },
  stopping.signal,
);
onExit(async () => {
  stopping.abort();
  await consuming;
});
ready();
