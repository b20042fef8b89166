package dev.coldbrew.dataplane;

/**
 * Where one proxied request ({@link ProxiedRequest}) is in its life. A request exists from the
 * moment its head was read, checked and routed; before that the connection is reading a head and
 * has no request (see {@link ClientConnection}). Phases only move forward, in this order, except
 * that a request goes back from {@link #PROXYING} to {@link #HELD} or {@link #QUEUED} once when it
 * is retried (its connection to an instance could not be opened, or closed before any response to a
 * request that may be sent twice). What holds in each phase — {@link ProxiedRequest} checks these,
 * and {@code finish} undoes exactly them:
 *
 * <ul>
 *   <li>{@link #ROUTED}: a revision was chosen and the request is on its event loop's deadline
 *       list; it holds no slot anywhere.
 *   <li>{@link #HELD}: it waits in the revision's activator ({@code Throttler}) and is counted in
 *       the activator's stats; no instance is assigned. It leaves by a grant (possibly from another
 *       thread, handed to its event loop once), an eviction, or its deadline.
 *   <li>{@link #QUEUED}: an instance is assigned (its queue counts the request) and the request
 *       waits for a slot in that instance's breaker ({@code containerConcurrency} &gt; 0 only).
 *   <li>{@link #PROXYING}: it holds every slot it needs (activator, breaker), is counted in the
 *       instance's load stats, and is getting a pooled connection of its event loop to the
 *       instance, sending the head and streaming the body; no response byte was sent to the client
 *       yet, so a failure can still be answered with a status (502, 504, 408, 413).
 *   <li>{@link #RESPONDING}: the response head went to the client; the body streams. A failure from
 *       here on closes the client connection instead of answering.
 *   <li>{@link #TUNNEL}: a WebSocket upgrade was accepted (101); bytes are relayed both ways and no
 *       deadline applies. Slots stay held until either side closes.
 *   <li>{@link #DONE} (a complete response was sent) and {@link #FAILED} (anything else: refused,
 *       evicted, timed out, the client or the instance went away): terminal. Every slot, count and
 *       stat taken was given back exactly once, the recorder was told once, the request is off the
 *       deadline list and its connection moved on to its next request or closed.
 * </ul>
 */
enum RequestPhase {
  ROUTED,
  HELD,
  QUEUED,
  PROXYING,
  RESPONDING,
  TUNNEL,
  DONE,
  FAILED;

  boolean ended() {
    return this == DONE || this == FAILED;
  }
}
