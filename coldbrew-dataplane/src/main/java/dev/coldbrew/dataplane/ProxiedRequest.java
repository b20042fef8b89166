package dev.coldbrew.dataplane;

import dev.coldbrew.dataplane.activator.InstanceTracker;
import dev.coldbrew.dataplane.activator.Throttler;
import dev.coldbrew.dataplane.queue.Breaker;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * One client request on its way to an instance: through the activator (held in the revision's
 * {@link Throttler} until an instance has a free slot), the instance's queue ({@link Breaker}),
 * then a pooled connection of its event loop to the instance, streaming the body both ways with
 * back-pressure. The head, already checked and rewritten by the {@link Gateway}, is written to the
 * instance as it came from Netty's decoder; the instance's response head, rewritten in place, is
 * written to the client; head and body of each go out in one flush.
 *
 * <p>A state machine over {@link RequestPhase}, whose Javadoc lists what holds in each phase.
 * Confined to the client connection's event loop: a grant or eviction that happens on another
 * thread is handed to that loop once ({@link #run}). Every exit goes through {@link #finish}, which
 * gives back exactly what was taken — throttler slot, breaker slot, queue assignment, stats, the
 * upstream connection — and tells the recorder.
 */
final class ProxiedRequest implements Throttler.Waiter, Breaker.Waiter, Runnable {
  private static final int GRANT = 1;
  private static final int BREAKER_GRANT = 2;
  private static final int EVICT = 3;

  final RequestContext context;
  private final Gateway gw;
  private final ClientConnection conn;
  private final ConnectionTracker loop;
  private final RevisionState rev;
  private HttpRequest head;
  RequestPhase phase = RequestPhase.ROUTED;

  // the loop's deadline list (ConnectionTracker)
  ProxiedRequest prevLive;
  ProxiedRequest nextLive;
  boolean listed;

  // activator and queue
  private boolean inActivator;
  private boolean atZero;
  private long coldStartNanos = -1;
  private InstanceTracker tracker;
  private InstanceQueue queue;
  private boolean proxied;
  private boolean breakerSlot;
  private boolean queueStatsIn;
  private boolean retried;

  // upstream
  private UpstreamConnection upstream;
  private boolean waitingForUpstream;
  private ArrayDeque<HttpContent> pending;
  private boolean requestEnded;
  private boolean requestSent;
  private boolean upstreamDirty;
  private boolean upstreamPaused;
  private long bodyBytes;

  // response
  private boolean responseStarted;
  private boolean upstreamKeepAlive;
  private boolean closeAfterResponse;
  private boolean clientDirty;
  private int responseStatus;

  /** The status of the response the client got in full; 0 until then (and if it never does). */
  private int statusSent;

  // time: activity flags are turned into timestamps by the loop's sweep
  private boolean activity;
  private boolean bodyActivity;
  private boolean readingBody;
  private boolean stalled;
  private long lastActivity;
  private long lastBodyActivity;

  // a hand-off from another thread
  private int handoff;
  private InstanceTracker handedInstance;
  private String handedBody;

  ProxiedRequest(Gateway gw, ClientConnection conn, RequestContext context, HttpRequest head) {
    this.gw = gw;
    this.conn = conn;
    this.loop = conn.loop;
    this.context = context;
    this.rev = context.revision();
    this.head = head;
    this.lastActivity = context.startNanos();
    this.lastBodyActivity = context.startNanos();
  }

  void start() {
    conn.begin(this);
    loop.add(this);
    InstanceQueue[] ready = rev.ready;
    if (rev.mode == Mode.SERVE && ready.length > 0) {
      enterQueue(rev.nextQueue(ready), false, context.startNanos());
    } else {
      enterActivator();
    }
    if (!phase.ended() && upstream == null && context.hasBody() && !requestEnded) {
      conn.pause(ClientConnection.PAUSE_BODY); // the body waits until an instance can take it
    }
  }

  // ---- activator

  private void enterActivator() {
    inActivator = true;
    atZero = rev.ready.length == 0;
    if (rev.activatorStats.requestIn(gw.nanoTime())) {
      gw.reporter.poke(rev.key);
    }
    phase = RequestPhase.HELD;
    if (rev.throttler.acquire(this) == Throttler.Result.REJECTED) {
      phase = RequestPhase.ROUTED;
      respond(503, gw.heldFullBody(rev), true);
      finish(RequestPhase.FAILED);
    }
  }

  @Override
  public void onGranted(InstanceTracker instance) {
    if (loop.loop.inEventLoop()) {
      granted(instance);
    } else {
      handedInstance = instance;
      handOff(GRANT);
    }
  }

  private void granted(InstanceTracker instance) {
    if (phase.ended()) {
      rev.throttler.release(instance);
      return;
    }
    tracker = instance;
    long now = gw.nanoTime();
    if (atZero) {
      coldStartNanos = now - context.startNanos();
      rev.recorder.coldStart(coldStartNanos);
    }
    InstanceQueue q = gw.registry.queue(instance.instance().id());
    if (q == null) {
      respond(502, gw.badGatewayBody(rev, instance.instance().id(), "instance is gone"), false);
      finish(RequestPhase.FAILED);
      return;
    }
    enterQueue(q, true, now);
  }

  // ---- queue

  private void enterQueue(InstanceQueue q, boolean viaActivator, long now) {
    queue = q;
    proxied = viaActivator;
    q.enter();
    if (q.breaker == null) {
      sendUpstream(now);
      return;
    }
    phase = RequestPhase.QUEUED;
    if (q.breaker.acquire(this) == Breaker.Result.REJECTED) {
      respond(503, gw.queueFullBody(rev), true);
      finish(RequestPhase.FAILED);
    }
  }

  @Override
  public void onGranted() {
    if (loop.loop.inEventLoop()) {
      breakerGranted();
    } else {
      handOff(BREAKER_GRANT);
    }
  }

  private void breakerGranted() {
    if (phase.ended()) {
      queue.breaker.release();
      return;
    }
    breakerSlot = true;
    sendUpstream(gw.nanoTime());
  }

  // ---- upstream: connection and request

  private void sendUpstream(long now) {
    phase = RequestPhase.PROXYING;
    queue.stats.requestIn(now, proxied);
    queueStatsIn = true;
    waitingForUpstream = true; // before: a failed connect may call back from within acquire
    UpstreamConnection c = loop.upstream.acquire(queue, this);
    if (c != null) {
      waitingForUpstream = false;
      attach(c);
    }
  }

  /**
   * A connection for this request (from the pool, later); false if the request no longer wants it.
   */
  boolean onUpstream(UpstreamConnection c) {
    if (phase != RequestPhase.PROXYING || upstream != null) {
      return false;
    }
    waitingForUpstream = false;
    attach(c);
    return true;
  }

  /** The connection the pool opened for this request failed: nothing was sent. */
  void onUpstreamFailed(Throwable cause) {
    waitingForUpstream = false;
    if (phase != RequestPhase.PROXYING || upstream != null) {
      return;
    }
    if (!retried && reroute()) {
      return;
    }
    upstreamFailed("could not connect to the instance", cause);
  }

  private void attach(UpstreamConnection c) {
    upstream = c;
    c.exchange = this;
    Channel up = c.channel;
    up.write(head);
    head = null;
    if (context.expectContinue() && !requestEnded) {
      conn.writeContinue(); // the request goes through now: let the client send its body
    }
    if (pending != null) {
      HttpContent p;
      while ((p = pending.pollFirst()) != null) {
        up.write(p);
      }
      pending = null;
    }
    if (requestEnded) {
      requestSent = true;
      up.flush();
    } else if (context.hasBody()) {
      startReadingBody();
      if (conn.inReadBatch) {
        upstreamDirty = true;
      } else {
        up.flush();
      }
    }
    // a bodiless request's last (empty) part follows in this same batch of reads
  }

  private void startReadingBody() {
    readingBody = true;
    bodyActivity = true; // the body's idle clock starts now
    conn.resume(ClientConnection.PAUSE_BODY);
  }

  /**
   * The connection to the instance could not be opened, so nothing was sent: give back its slots
   * and try once more, through the activator (which may pick another instance) or, in Serve mode,
   * on the next ready instance. False if there is nowhere else to go.
   */
  private boolean reroute() {
    InstanceQueue failed = queue;
    InstanceQueue next = null;
    if (!inActivator) {
      InstanceQueue[] ready = rev.ready;
      if (ready.length < 2) {
        return false;
      }
      next = rev.nextQueue(ready);
      if (next == failed) {
        next = rev.nextQueue(ready);
      }
    }
    retried = true;
    long now = gw.nanoTime();
    failed.stats.requestOut(now, proxied);
    queueStatsIn = false;
    if (breakerSlot) {
      failed.breaker.release();
      breakerSlot = false;
    }
    gw.registry.queueExit(failed);
    queue = null;
    if (next != null) {
      enterQueue(next, false, now);
      return true;
    }
    rev.throttler.release(tracker);
    tracker = null;
    phase = RequestPhase.HELD;
    if (rev.throttler.acquire(this) == Throttler.Result.REJECTED) {
      phase = RequestPhase.ROUTED;
      respond(503, gw.heldFullBody(rev), true);
      finish(RequestPhase.FAILED);
    }
    return true;
  }

  /** A part of the client's body (the last one included). */
  void onBody(HttpContent content) {
    if (phase.ended() || phase == RequestPhase.TUNNEL) {
      content.release();
      return;
    }
    if (content.decoderResult().isFailure()) {
      content.release();
      malformedBody();
      return;
    }
    int n = content.content().readableBytes();
    bodyBytes += n;
    if (bodyBytes > gw.maxBodyBytes) {
      content.release();
      respond(413, Gateway.BODY_TOO_LARGE, false);
      finish(RequestPhase.FAILED);
      return;
    }
    if (n > 0) {
      activity = true;
      bodyActivity = true;
    }
    boolean last = content instanceof LastHttpContent;
    if (last) {
      requestEnded = true;
      readingBody = false;
      dropTrailers((LastHttpContent) content);
    }
    UpstreamConnection up = upstream;
    if (up == null) {
      if (pending == null) {
        pending = new ArrayDeque<>(4);
      }
      pending.add(content);
      return;
    }
    if (last) {
      requestSent = true;
      upstreamDirty = false;
      up.channel.writeAndFlush(content);
      return;
    }
    up.channel.write(content);
    upstreamDirty = true;
    if (!up.channel.isWritable()) {
      readingBody = false; // the instance is the slow one: the client is not idle
      conn.pause(ClientConnection.PAUSE_BODY);
    }
  }

  /** A chunk the decoder could not parse: the request ends here, and so does the connection. */
  private void malformedBody() {
    conn.stopReading();
    if (!responseStarted) {
      respond(400, "malformed request body\n", false);
    } else {
      conn.close();
    }
    finish(RequestPhase.FAILED);
  }

  private static void dropTrailers(LastHttpContent last) {
    HttpHeaders trailers = last.trailingHeaders();
    if (!trailers.isEmpty()) {
      trailers.clear(); // trailers are not forwarded either way
    }
  }

  /** The client's batch of reads ended: send what was written toward the instance. */
  void clientReadComplete() {
    if (upstreamDirty && upstream != null) {
      upstreamDirty = false;
      upstream.channel.flush();
    }
  }

  void upstreamWritabilityChanged() {
    UpstreamConnection up = upstream;
    if (up != null && up.channel.isWritable() && !requestEnded && !phase.ended()) {
      startReadingBody();
    }
  }

  // ---- upstream: response

  /** A decoded part of the instance's response. */
  void onResponse(HttpObject msg) {
    if (msg instanceof HttpResponse response) {
      onResponseHead(response);
    }
    if (msg instanceof HttpContent content) {
      onResponseBody(content);
    }
  }

  private void onResponseHead(HttpResponse response) {
    if (phase != RequestPhase.PROXYING) {
      return;
    }
    if (response.decoderResult().isFailure()) {
      upstreamFailed("the instance sent a malformed response", response.decoderResult().cause());
      return;
    }
    int status = response.status().code();
    boolean upgraded = status == 101 && context.webSocket();
    if (status < 200 && !upgraded) {
      return; // informational (100 Continue was the gateway's to send): not forwarded
    }
    HttpHeaders h = response.headers();
    int seen = gw.headers.rewriteResponse(h, upgraded);
    upstreamKeepAlive =
        (seen & Headers.CLOSE) == 0
            && (response.protocolVersion().minorVersion() > 0 || (seen & Headers.KEEP_ALIVE) != 0);
    if (!upgraded) {
      if (context.responseHasBody(status) && (seen & Headers.HAS_LENGTH) == 0) {
        if (context.version().minorVersion() == 0) {
          closeAfterResponse = true; // HTTP/1.0 has no chunks: the close ends the body
        } else {
          h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
      }
      if (!context.keepAlive() || closeAfterResponse) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      } else if (context.version().minorVersion() == 0) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      }
    }
    if (coldStartNanos >= 0 && gw.coldStartHeader) {
      h.set(Headers.COLD_START, Long.toString(coldStartNanos / 1_000_000));
    }
    response.setProtocolVersion(context.version());
    responseStatus = status;
    responseStarted = true;
    activity = true;
    phase = RequestPhase.RESPONDING;
    conn.channel.write(response);
    if (upgraded) {
      conn.channel.flush();
      phase = RequestPhase.TUNNEL;
      loop.remove(this); // a WebSocket has no deadline
      Tunnel.join(conn, upstream, this);
      upstream = null;
    } else {
      clientDirty = true;
    }
  }

  private void onResponseBody(HttpContent content) {
    if (phase != RequestPhase.RESPONDING) {
      content.release();
      return;
    }
    if (content.decoderResult().isFailure()) {
      content.release();
      upstreamFailed("the instance sent a malformed response", content.decoderResult().cause());
      return;
    }
    if (content.content().isReadable()) {
      activity = true;
    }
    if (content instanceof LastHttpContent last) {
      dropTrailers(last);
      responseEnded(last);
      return;
    }
    conn.channel.write(content);
    clientDirty = true;
    if (!conn.channel.isWritable() && upstream != null) {
      upstreamPaused = true; // the client is the slow one
      upstream.channel.config().setAutoRead(false);
    }
  }

  private void responseEnded(LastHttpContent last) {
    long now = gw.nanoTime();
    UpstreamConnection up = upstream;
    upstream = null;
    if (requestSent && upstreamKeepAlive) {
      loop.upstream.release(up, now);
    } else {
      up.close(); // its request was not fully sent, or it asked to close
    }
    if (closeAfterResponse) {
      conn.stopAfterThis();
    }
    clientDirty = false;
    conn.channel.writeAndFlush(last);
    statusSent = responseStatus;
    finish(RequestPhase.DONE, now);
  }

  /** The upstream's batch of reads ended: send what was written toward the client. */
  void upstreamReadComplete() {
    if (clientDirty) {
      clientDirty = false;
      conn.channel.flush();
    }
  }

  void clientWritabilityChanged() {
    if (upstreamPaused && conn.channel.isWritable() && upstream != null) {
      upstreamPaused = false;
      upstream.channel.config().setAutoRead(true);
    }
  }

  /** The instance's connection closed before the response was complete. */
  void upstreamClosed() {
    upstream = null;
    if (phase.ended() || phase == RequestPhase.TUNNEL) {
      return;
    }
    upstreamFailed("the instance closed the connection or failed before a complete response", null);
  }

  /**
   * 502 saying in words what went wrong ({@code what}); the exception only in the debug log. After
   * the response has started, the client connection is closed instead.
   */
  private void upstreamFailed(String what, Throwable cause) {
    String instance = queue == null ? "?" : queue.instance.id();
    if (DataPlane.log.isDebugEnabled()) {
      DataPlane.log.debug("revision {}, instance {}: {}", rev.key, instance, what, cause);
    }
    if (!responseStarted) {
      respond(502, gw.badGatewayBody(rev, instance, what), false);
    } else {
      conn.close();
    }
    finish(RequestPhase.FAILED);
  }

  // ---- the client, the tunnel, timeouts, evictions

  /** The client connection closed. */
  void clientGone() {
    if (!phase.ended() && phase != RequestPhase.TUNNEL) {
      finish(RequestPhase.FAILED);
    }
  }

  /** Both sides of a WebSocket tunnel are closed. */
  void tunnelClosed() {
    statusSent = 101;
    finish(RequestPhase.DONE);
  }

  /** Called by the loop's sweep: turns activity into timestamps; true if a deadline passed. */
  boolean expired(long now) {
    if (activity) {
      activity = false;
      lastActivity = now;
    }
    if (bodyActivity) {
      bodyActivity = false;
      lastBodyActivity = now;
    }
    stalled = readingBody && gw.bodyIdleNanos != 0 && now - lastBodyActivity >= gw.bodyIdleNanos;
    return stalled
        || now - context.deadline() >= 0
        || (context.responseStartDeadline() != 0
            && !responseStarted
            && now - context.responseStartDeadline() >= 0)
        || (context.idleNanos() != 0 && now - lastActivity >= context.idleNanos());
  }

  /** A deadline passed ({@link #expired}): answer 504 or 408, or close a started response. */
  void timeOut(long now) {
    if (phase.ended() || phase == RequestPhase.TUNNEL) {
      return;
    }
    // answer first, so finish() records the status sent
    if (responseStarted) {
      conn.close();
    } else if (stalled) {
      respond(408, Gateway.BODY_TIMEOUT, false);
    } else {
      respond(504, inActivator ? Gateway.ACTIVATOR_TIMEOUT : Gateway.REQUEST_TIMEOUT, false);
    }
    finish(RequestPhase.FAILED, now);
  }

  /** The revision failed or was removed while this request was held: 503, on its loop. */
  void evict(String body) {
    if (!loop.loop.inEventLoop()) {
      handedBody = body;
      handOff(EVICT);
      return;
    }
    if (!phase.ended()) {
      respond(503, body, false);
      finish(RequestPhase.FAILED);
    }
  }

  private void handOff(int what) {
    handoff = what;
    loop.loop.execute(this);
  }

  /** A hand-off from another thread, now on this request's loop. */
  @Override
  public void run() {
    int what = handoff;
    handoff = 0;
    switch (what) {
      case GRANT -> {
        InstanceTracker t = handedInstance;
        handedInstance = null;
        granted(t);
      }
      case BREAKER_GRANT -> breakerGranted();
      case EVICT -> evict(handedBody);
      default -> {}
    }
  }

  // ---- exits

  /**
   * The gateway's own answer to this request. When its body has not been read, nothing after it is
   * read either and the connection closes once the answer is sent.
   */
  private void respond(int status, String body, boolean retryAfter) {
    if (responseStarted || !conn.channel.isActive()) {
      return;
    }
    boolean bodyUnread = context.hasBody() && !requestEnded;
    if (bodyUnread) {
      conn.stopReading();
    }
    responseStarted = true;
    statusSent = status;
    conn.reply(
        context.version(),
        status,
        body,
        bodyUnread || !context.keepAlive(),
        retryAfter ? gw.retryAfter : null);
  }

  private void finish(RequestPhase end) {
    finish(end, gw.nanoTime());
  }

  /** Gives back what this request took; once. */
  private void finish(RequestPhase end, long now) {
    if (phase.ended()) {
      return;
    }
    RequestPhase was = phase;
    phase = end;
    loop.remove(this);
    if (was == RequestPhase.HELD && tracker == null) {
      rev.throttler.cancel(this); // false: a grant is on its way and granted() gives it back
    }
    if (was == RequestPhase.QUEUED && !breakerSlot) {
      queue.breaker.cancel(this); // likewise breakerGranted()
    }
    if (waitingForUpstream) {
      waitingForUpstream = false;
      loop.upstream.cancel(queue, this);
    }
    if (upstream != null) {
      upstream.close(); // mid-exchange: the connection cannot be reused
      upstream = null;
    }
    if (pending != null) {
      pending.forEach(HttpContent::release);
      pending = null;
    }
    if (queueStatsIn) {
      queue.stats.requestOut(now, proxied);
    }
    if (breakerSlot) {
      queue.breaker.release();
    }
    if (queue != null) {
      gw.registry.queueExit(queue);
    }
    if (tracker != null) {
      rev.throttler.release(tracker);
    }
    if (inActivator) {
      rev.activatorStats.requestOut(now);
    }
    rev.recorder.requestDone(statusSent, now - context.startNanos(), inActivator);
    conn.requestFinished(this, now);
  }
}
