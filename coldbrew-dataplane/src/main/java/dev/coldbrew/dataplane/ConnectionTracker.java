package dev.coldbrew.dataplane;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One event loop's bookkeeping of time: the client connections it serves and the requests in
 * progress on them, swept by one periodic task instead of a timer per connection or request. A
 * sweep closes connections that have no request in progress and have not delivered a complete head
 * within the header-read timeout of opening or of their previous response (slowloris, idle
 * keep-alive); lets every request check its deadlines (the revision's timeouts, the body-idle
 * timeout); and lets the loop's {@link UpstreamPool} close backend connections idle for longer than
 * the keep-alive timeout. The task runs every {@link #sweepPeriodNanos} while the loop has anything
 * to watch and stops when it has nothing, so an idle platform does not wake up.
 *
 * <p>Requests sit on an intrusive doubly linked list (their own {@code prevLive}/{@code nextLive}
 * fields), so starting and ending one allocates nothing here. Confined to its event loop.
 */
final class ConnectionTracker implements Runnable {
  final EventLoop loop;

  /** This loop's index among the data plane's loops (its slot in {@link InstanceQueue#pools}). */
  final int index;

  final UpstreamPool upstream;
  private final LongSupplier nanoTime;
  private final long headerReadNanos;
  private final long periodNanos;
  private final HashSet<ClientConnection> connections = new HashSet<>();
  private final ArrayList<ClientConnection> idleExpired = new ArrayList<>();
  private final ArrayList<ProxiedRequest> expired = new ArrayList<>();
  private ProxiedRequest first;
  private ProxiedRequest last;
  private ScheduledFuture<?> task;

  ConnectionTracker(
      EventLoop loop,
      int index,
      UpstreamPool upstream,
      LongSupplier nanoTime,
      Duration headerReadTimeout,
      long periodNanos) {
    this.loop = loop;
    this.index = index;
    this.upstream = upstream;
    this.nanoTime = nanoTime;
    this.headerReadNanos = headerReadTimeout.toNanos();
    this.periodNanos = periodNanos;
  }

  /**
   * How often a loop sweeps: every 100 ms, or a quarter of the shortest timeout it enforces by
   * sweeping (header read, request body idle) when that is shorter; at least every millisecond. A
   * deadline is therefore acted on within one period after it passes.
   */
  static long sweepPeriodNanos(Duration headerReadTimeout, Duration bodyIdleTimeout) {
    long shortest = headerReadTimeout.toNanos();
    if (!bodyIdleTimeout.isZero()) {
      shortest = Math.min(shortest, bodyIdleTimeout.toNanos());
    }
    return Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(shortest / 4, 100_000_000L));
  }

  long nanoTime() {
    return nanoTime.getAsLong();
  }

  void add(ClientConnection c) {
    connections.add(c);
    wake();
  }

  void remove(ClientConnection c) {
    connections.remove(c);
  }

  /** Puts a request on the deadline list. */
  void add(ProxiedRequest r) {
    r.prevLive = last;
    r.nextLive = null;
    if (last == null) {
      first = r;
    } else {
      last.nextLive = r;
    }
    last = r;
    r.listed = true;
    wake();
  }

  /** Takes a request off the deadline list; nothing if it is not on it. */
  void remove(ProxiedRequest r) {
    if (!r.listed) {
      return;
    }
    r.listed = false;
    if (r.prevLive == null) {
      first = r.nextLive;
    } else {
      r.prevLive.nextLive = r.nextLive;
    }
    if (r.nextLive == null) {
      last = r.prevLive;
    } else {
      r.nextLive.prevLive = r.prevLive;
    }
    r.prevLive = null;
    r.nextLive = null;
  }

  /** Makes sure a sweep is due. */
  void wake() {
    if (task == null) {
      task = loop.schedule(this, periodNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** One sweep. Expired items are collected first, then acted on: acting may change the sets. */
  @Override
  public void run() {
    task = null;
    long now = nanoTime();
    for (ClientConnection c : connections) {
      if (c.idle() && now - c.idleSince >= headerReadNanos) {
        idleExpired.add(c);
      }
    }
    for (ProxiedRequest r = first; r != null; r = r.nextLive) {
      if (r.expired(now)) {
        expired.add(r);
      }
    }
    for (ClientConnection c : idleExpired) {
      connections.remove(c);
      c.close();
    }
    idleExpired.clear();
    for (ProxiedRequest r : expired) {
      r.timeOut(now);
    }
    expired.clear();
    upstream.sweep(now);
    if (!connections.isEmpty() || first != null || upstream.hasIdle()) {
      wake();
    }
  }
}
