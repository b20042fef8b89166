package dev.coldbrew.dataplane;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * One event loop's keep-alive HTTP/1.1 connections to instances, keyed by instance: a request is
 * sent on a connection of the loop that serves its client, so no request crosses threads to reach
 * its instance. Per instance ({@link Host}, kept in the instance's {@link InstanceQueue#pools} slot
 * for this loop, so finding it is an array read) at most {@code backendPoolSizePerInstance}
 * connections are open; a request beyond that waits for one to come back. The most recently used
 * idle connection is handed out first (it is the warmest, and the others age out); a connection
 * idle for the keep-alive timeout (4 s, below Node.js's 5 s) is closed by the loop's sweep, before
 * the app would close it under a request. Connections open with TCP_NODELAY and a connect timeout
 * (1 s: loopback connects are immediate, a slow one means the instance is gone).
 *
 * <p>Confined to its event loop: every method runs there.
 */
final class UpstreamPool {
  /** One instance's connections on this loop. */
  static final class Host {
    final InstanceQueue queue;
    final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();

    /** Requests waiting for a connection, when {@link #open} is at the bound; null until one. */
    ArrayDeque<ProxiedRequest> waiters;

    /** Connections open or being opened (HTTP/2: 1 while its connection is being opened). */
    int open;

    /** HTTP/2: the connection new streams are opened on; null while none is open. */
    Http2Link link;

    Host(InstanceQueue queue) {
      this.queue = queue;
    }
  }

  final Transport transport;
  private final int index;
  private final Bootstrap bootstrap;
  private final Bootstrap http2Bootstrap;
  private final int maxPerInstance;
  private final long keepAliveNanos;
  private final ArrayList<Host> hosts = new ArrayList<>();
  private ConnectionTracker tracker;
  private int idleCount;

  /** HTTP/2 connections open on this loop. */
  private int links;

  UpstreamPool(
      EventLoop loop,
      int index,
      Transport transport,
      int maxPerInstance,
      Duration connectTimeout,
      Duration keepAlive,
      HttpDecoderConfig responseDecoder) {
    this.transport = transport;
    this.index = index;
    this.maxPerInstance = maxPerInstance;
    this.keepAliveNanos = keepAlive.toNanos();
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(transport.socketChannel)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
            .handler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(responseDecoder, false, false));
                  }
                });
    this.http2Bootstrap =
        bootstrap
            .clone()
            .handler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    Http2.upstream(ch.pipeline(), responseDecoder.getMaxHeaderSize());
                  }
                });
  }

  ConnectionTracker tracker() {
    return tracker;
  }

  /** Set once, right after construction: the loop's tracker wakes up for idle connections. */
  void tracker(ConnectionTracker tracker) {
    this.tracker = tracker;
  }

  /**
   * An idle connection to the queue's instance for {@code r}, or null: then one is being opened or
   * will come back, and the pool calls {@link ProxiedRequest#onUpstream} or {@link
   * ProxiedRequest#onUpstreamFailed} later.
   */
  UpstreamConnection acquire(InstanceQueue q, ProxiedRequest r) {
    Host h = q.pools[index];
    if (h == null) {
      h = new Host(q);
      q.pools[index] = h;
      hosts.add(h);
    }
    if (r.rev.config.http2()) { // a revision's protocol never changes: it is its app's
      openStream(h, r);
      return null;
    }
    UpstreamConnection c = h.idle.pollLast();
    if (c != null) {
      idleCount--;
      return c;
    }
    if (h.open < maxPerInstance) {
      connect(h, r);
    } else {
      if (h.waiters == null) {
        h.waiters = new ArrayDeque<>();
      }
      h.waiters.add(r);
    }
    return null;
  }

  /** {@code r} no longer waits for a connection to the queue's instance. */
  void cancel(InstanceQueue q, ProxiedRequest r) {
    Host h = q.pools[index];
    if (h != null && h.waiters != null) {
      h.waiters.remove(r);
    }
  }

  private void connect(Host h, ProxiedRequest r) {
    h.open++;
    ChannelFuture f = bootstrap.connect(h.queue.address);
    f.addListener(
        done -> {
          if (!done.isSuccess()) {
            h.open--;
            r.onUpstreamFailed(done.cause());
            connectForWaiter(h);
            return;
          }
          UpstreamConnection c = new UpstreamConnection(this, h, f.channel());
          f.channel().pipeline().addLast(c);
          if (!r.onUpstream(c)) {
            release(c, tracker.nanoTime());
          }
        });
  }

  // ---- HTTP/2: one connection per instance and loop, a stream per request

  /**
   * Opens a stream for {@code r} on the instance's connection, or waits for that connection (and
   * opens it, if it is not being opened already).
   */
  private void openStream(Host h, ProxiedRequest r) {
    if (h.link != null && !h.link.channel.isActive()) {
      linkDone(h.link); // closed, and its handler not told yet
    }
    Http2Link link = h.link;
    if (link == null) {
      if (h.waiters == null) {
        h.waiters = new ArrayDeque<>();
      }
      h.waiters.add(r);
      if (h.open == 0) {
        connectHttp2(h);
      }
      return;
    }
    link.bootstrap
        .open()
        .addListener(
            (Future<Http2StreamChannel> f) -> {
              if (!f.isSuccess()) {
                r.onUpstreamFailed(f.cause());
                return;
              }
              UpstreamConnection c = f.getNow().pipeline().get(UpstreamConnection.class);
              if (!r.onUpstream(c)) {
                c.close();
              }
            });
  }

  private void connectHttp2(Host h) {
    h.open = 1;
    ChannelFuture f = http2Bootstrap.connect(h.queue.address);
    f.addListener(
        done -> {
          h.open = 0;
          ArrayDeque<ProxiedRequest> waiting = h.waiters;
          h.waiters = null;
          if (!done.isSuccess()) {
            if (waiting != null) {
              waiting.forEach(w -> w.onUpstreamFailed(done.cause()));
            }
            return;
          }
          Http2Link link = new Http2Link(this, h, f.channel(), tracker.nanoTime());
          f.channel().pipeline().addLast(link);
          Http2.upstreamConnected(f.channel().pipeline());
          h.link = link;
          links++;
          tracker.wake();
          if (waiting != null) {
            waiting.forEach(w -> openStream(h, w));
          }
        });
  }

  /**
   * The instance's HTTP/2 connection closed, or said (GOAWAY) it takes no new streams: later
   * requests open another; its streams finish on it.
   */
  void linkDone(Http2Link link) {
    if (link.host.link == link) {
      link.host.link = null;
    }
  }

  /** An instance's HTTP/2 connection closed. */
  void linkClosed(Http2Link link) {
    linkDone(link);
    links--;
  }

  /** A connection closed or failed to open: a waiting request may open another. */
  private void connectForWaiter(Host h) {
    if (h.waiters != null && h.open < maxPerInstance) {
      ProxiedRequest w = h.waiters.poll();
      if (w != null) {
        connect(h, w);
      }
    }
  }

  /**
   * A connection whose exchange is complete (its request sent, its response read, keep-alive) goes
   * to the next waiting request, or back to the idle set.
   */
  void release(UpstreamConnection c, long now) {
    c.exchange = null;
    if (c.link != null) {
      return; // a stream is used once: it closes by itself, both of its ends being sent
    }
    if (!c.channel.isActive()) {
      return; // closed meanwhile; closed() counted it
    }
    if (!c.channel.config().isAutoRead()) {
      c.channel.config().setAutoRead(true); // paused while the client was slower
    }
    Host h = c.host;
    if (h.waiters != null) {
      ProxiedRequest w;
      while ((w = h.waiters.poll()) != null) {
        if (w.onUpstream(c)) {
          return;
        }
      }
    }
    if (h.queue.retired()) {
      c.channel.close();
      return;
    }
    c.idleSince = now;
    h.idle.addLast(c);
    idleCount++;
    tracker.wake();
  }

  /** The connection's channel closed (from its handler). */
  void closed(UpstreamConnection c) {
    if (c.link != null) {
      c.link.streamClosed(tracker.nanoTime());
      tracker.wake();
      return;
    }
    Host h = c.host;
    h.open--;
    if (h.idle.remove(c)) {
      idleCount--;
    }
    connectForWaiter(h);
  }

  /** Whether the sweep has connections to watch: idle HTTP/1.1 ones, or HTTP/2 ones at all. */
  boolean hasIdle() {
    return idleCount > 0 || links > 0;
  }

  /**
   * Closes connections idle for the keep-alive timeout, and those of instances that left the ready
   * set; forgets instances with nothing open.
   */
  void sweep(long now) {
    for (int i = hosts.size() - 1; i >= 0; i--) {
      Host h = hosts.get(i);
      boolean retired = h.queue.retired();
      UpstreamConnection c;
      while ((c = h.idle.peekFirst()) != null && (retired || now - c.idleSince >= keepAliveNanos)) {
        h.idle.pollFirst();
        idleCount--;
        c.channel.close();
      }
      Http2Link link = h.link;
      if (link != null
          && link.streams == 0
          && (retired || now - link.idleSince >= keepAliveNanos)) {
        h.link = null;
        link.channel.close();
      }
      if (retired && h.open == 0 && h.link == null && (h.waiters == null || h.waiters.isEmpty())) {
        hosts.remove(i);
        h.queue.pools[index] = null;
      }
    }
  }
}
