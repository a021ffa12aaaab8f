// shop.example.com/static/app.js as fetched on March 8
const api = "/api/v2";

export function login(user, password) {
  return post(api + "/login", { user, password });
}

export function cart() {
  return get(api + "/cart");
}

export function checkout(cart) {
  return post(api + "/checkout", cart);
}

export function adminUsers() {
  return get(api + "/admin/users?debug=1");
}
