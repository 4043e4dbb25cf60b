// The shop's product list, generated deterministically so that every service's database agrees on it.
const MATERIALS = ['Brass', 'Oak', 'Steel', 'Copper', 'Walnut', 'Glass', 'Linen', 'Ceramic'];
const THINGS = ['Sextant', 'Compass', 'Chronometer', 'Telescope', 'Barometer', 'Lantern'];

export interface Product {
  id: number;
  name: string;
  description: string;
  price: number;
  stock: number;
}

export const PRODUCTS: readonly Product[] = MATERIALS.flatMap((material, m) =>
  THINGS.map((thing, t) => {
    const id = m * THINGS.length + t + 1;
    return {
      id,
      name: `${material} ${thing}`,
      description: `A ${thing.toLowerCase()} in ${material.toLowerCase()}, for navigators who like to know where they are.`,
      price: Math.round((19 + ((id * 37) % 180) + 0.99) * 100) / 100,
      stock: 5 + ((id * 13) % 40),
    };
  }),
);

/** Words a shopper might search for. */
export const SEARCH_TERMS = [...MATERIALS, ...THINGS].map((w) => w.toLowerCase());
