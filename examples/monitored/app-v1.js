// shop.example.com/static/app.js as fetched on March 1
const api = "/api/v1";

export function login(user, password) {
  return post(api + "/login", { user, password });
}

export function cart() {
  return get(api + "/cart");
}

export function checkout(cart) {
  return post(api + "/checkout", cart);
}
