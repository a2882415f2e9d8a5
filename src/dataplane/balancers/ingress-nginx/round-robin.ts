import type { Rng } from '../../../engine/index.js';
import { uniformIndex } from '../choice.js';
import { sameIps } from '../endpoint-carry.js';

/**
 * ingress-nginx's `round_robin` balancer (rootfs/etc/nginx/lua/balancer/round_robin.lua, the
 * default `load-balance`), one instance per nginx worker process: the Lua module tables live in
 * each worker's own Lua VM, so workers keep independent positions.
 *
 * It wraps lua-resty-balancer's `resty.roundrobin` (openresty/lua-resty-balancer
 * lib/resty/roundrobin.lua) over `{ "ip:port" = weight }` with every weight 1:
 * - `new(nodes)` and `reinit(nodes)` set `last_id` to a random node (`get_random_node_id`:
 *   math.random(count) steps of `next()`), so every worker starts at a random peer and starts
 *   again at a random peer after every endpoint change;
 * - `find()` with equal weights returns the node after `last_id` in table order, wrapping.
 * The order is the Lua hash table's iteration order, fixed for a given set; lbsim uses the
 * order of the endpoint list it is given (the position in the cycle is what matters, and it is
 * random). balancer_resty's `sync` calls `reinit` only when the node set changed
 * (`util.deep_compare`), so an unchanged sync keeps the position.
 *
 * No passive health: the Lua balancer returns a peer whether or not it failed before; nginx
 * retries (`proxy_next_upstream error timeout`, `proxy_next_upstream_tries 3`) call `balance()`
 * again, which just moves to the next peer. Allocation-free pick.
 */
export class IngressNginxRoundRobin {
  size = 0;
  ips: Uint32Array = new Uint32Array(0);
  /** Index of `last_id`: the peer returned last (or the random start). */
  private last = -1;

  constructor(ips: Uint32Array, rng: Rng) {
    this.setEndpoints(ips, rng);
  }

  /** A sync from the controller: reinit at a random peer if the set changed. */
  setEndpoints(ips: Uint32Array, rng: Rng): void {
    if (this.size > 0 && sameIps(this.ips, ips)) return;
    this.ips = Uint32Array.from(ips);
    this.size = ips.length;
    this.last = this.size > 0 ? uniformIndex(rng, this.size) : -1;
  }

  /** The peer for one try (`balance()`), or -1 with no endpoints (the backend is removed: 503). */
  pick(): number {
    if (this.size === 0) return -1;
    this.last = this.last + 1 === this.size ? 0 : this.last + 1;
    return this.last;
  }
}
