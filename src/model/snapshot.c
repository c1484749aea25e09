/* snapshot.c - placeholder: written with the store's snapshot loader. */
