package dev.coldbrew.dataplane;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
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
 * The HTTP half of a {@link ProxiedRequest}: once the request has an instance and an upstream
 * connection, this relays it — the head (as Netty decoded it, rewritten in place by the {@link
 * Gateway}) and the body parts to the instance, the instance's response head (rewritten in place)
 * and body to the client — with one flush per batch of reads in each direction and back-pressure
 * both ways (a side stops reading while the other cannot take more). It also answers for the
 * gateway ({@link #respond}). The other half, in the subclass, admits the request (activator,
 * queue), watches its deadlines and gives back what it took; the split is by concern, not by
 * object: one request is one object.
 *
 * <p>Writes on the request path carry the channel's void promise (no future per write): a write
 * that fails surfaces as the channel's exception, which closes it, and the close ends the request.
 * Confined to the client connection's event loop, which is also the upstream connection's.
 */
abstract class UpstreamExchange {
  final RequestContext context;
  final Gateway gw;
  final ClientConnection conn;
  final ConnectionTracker loop;
  final RevisionState rev;
  RequestPhase phase = RequestPhase.ROUTED;
  private HttpRequest head;

  /** The connection the request is on; null before {@link #attach} and after the exchange. */
  UpstreamConnection upstream;

  /** Body parts read before the request had an upstream connection. */
  ArrayDeque<HttpContent> pending;

  /**
   * Copies of the body parts sent, while the request may be sent again ({@link
   * RequestContext#resendable}: a body of at most 64 KiB); given back once the response begins.
   */
  private ArrayDeque<HttpContent> kept;

  boolean requestEnded;
  private boolean requestSent;
  private boolean upstreamDirty;
  private boolean upstreamPaused;
  private long bodyBytes;

  /** Something was written to the client: an answer can no longer be given. */
  boolean responseStarted;

  private boolean upstreamKeepAlive;

  /** An HTTP/2 app sent a body where its response may have none: it is not forwarded. */
  private boolean dropBody;

  private boolean closeAfterResponse;
  private boolean clientDirty;
  private int responseStatus;

  /** The status of the response the client got in full; 0 until then (and if it never does). */
  int statusSent;

  /** How long the request waited for a revision at zero to get an instance; -1 if it did not. */
  long coldStartNanos = -1;

  // activity flags, turned into timestamps by the loop's sweep
  boolean activity;
  boolean bodyActivity;

  /** The body is being read for the instance (not paused for it): its idle clock runs. */
  boolean readingBody;

  UpstreamExchange(Gateway gw, ClientConnection conn, RequestContext context, HttpRequest head) {
    this.gw = gw;
    this.conn = conn;
    this.loop = conn.loop;
    this.context = context;
    this.rev = context.revision();
    this.head = head;
  }

  /** The instance failed the request: 502, or a closed client connection once answering began. */
  abstract void upstreamFailed(GatewayAnswer answer, String what, Throwable cause);

  /** The instance the request was sent to, for messages; null before it had one. */
  abstract String instanceId();

  /**
   * The instance's connection closed after the request went out and before any response: true if
   * the request is on its way once more (it was {@link RequestContext#resendable} and not retried
   * before), false if it fails.
   */
  abstract boolean resend();

  abstract void finish(RequestPhase end);

  abstract void finish(RequestPhase end, long now);

  /** The instance accepted a WebSocket upgrade (its 101 is flushed): join the two connections. */
  abstract void startTunnel();

  // ---- the request, toward the instance

  /** Sends the head, and what body was read, on {@code c}: the request is on its way. */
  final void attach(UpstreamConnection c) {
    upstream = c;
    c.exchange = this;
    Channel up = c.channel;
    if (rev.config.http2() && head.headers().contains(Http2.GRPC_TIMEOUT)) {
      // the app gets what is left of the call's time, not what the client gave before the wait
      head.headers().set(Http2.GRPC_TIMEOUT, Http2.grpcTimeout(context.deadline() - gw.nanoTime()));
    }
    up.write(head, up.voidPromise());
    if (!context.resendable()) {
      head = null; // kept only while the request may be sent again
    }
    if (context.expectContinue() && !requestEnded) {
      conn.writeContinue(); // the request goes through now: let the client send its body
    }
    if (pending != null) {
      HttpContent p;
      while ((p = pending.pollFirst()) != null) {
        keep(p);
        up.write(p, up.voidPromise());
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
      respond(GatewayAnswer.BODY_TOO_LARGE, Gateway.BODY_TOO_LARGE);
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
      if (!conn.http2() || !rev.config.http2()) {
        dropTrailers((LastHttpContent) content);
      }
    }
    UpstreamConnection up = upstream;
    if (up == null) {
      if (pending == null) {
        pending = new ArrayDeque<>(4);
      }
      pending.add(content);
      return;
    }
    keep(content);
    if (last) {
      requestSent = true;
      upstreamDirty = false;
      up.channel.writeAndFlush(content, up.channel.voidPromise());
      return;
    }
    up.channel.write(content, up.channel.voidPromise());
    upstreamDirty = true;
    if (!up.channel.isWritable()) {
      readingBody = false; // the instance is the slow one: the client is not idle
      conn.pause(ClientConnection.PAUSE_BODY);
    }
  }

  /** Keeps a copy of a body part about to be sent, while the request may be sent again. */
  private void keep(HttpContent part) {
    if (head != null && context.hasBody()) { // the head is kept only while resendable
      if (kept == null) {
        kept = new ArrayDeque<>(4);
      }
      kept.add(part.retainedDuplicate());
    }
  }

  /** Gives back the kept copies: the request will not be sent again. */
  private void dropKept() {
    if (kept != null) {
      kept.forEach(HttpContent::release);
      kept = null;
    }
  }

  /** A chunk the decoder could not parse: the request ends here, and so does the connection. */
  private void malformedBody() {
    conn.stopReading();
    if (!responseStarted) {
      respond(GatewayAnswer.MALFORMED_REQUEST, "malformed request body\n");
    } else {
      conn.close();
    }
    finish(RequestPhase.FAILED);
  }

  /**
   * Trailers go only where both sides speak HTTP/2 (gRPC's status travels in them); where either
   * side speaks HTTP/1.1, neither sends any on.
   */
  private static void dropTrailers(LastHttpContent last) {
    HttpHeaders trailers = last.trailingHeaders();
    if (!trailers.isEmpty()) {
      trailers.clear();
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

  // ---- the response, toward the client

  /** A decoded part of the instance's response. */
  void onResponse(HttpObject msg) {
    if (msg instanceof FullHttpResponse full) { // HTTP/2: a stream that ended with its headers
      if (!onResponseHead(full)) {
        full.release();
      }
      return;
    }
    if (msg instanceof HttpResponse response) {
      onResponseHead(response);
    }
    if (msg instanceof HttpContent content) {
      onResponseBody(content);
    }
  }

  /**
   * The response's head; false if it was not forwarded. A {@link FullHttpResponse} (an HTTP/2
   * stream that ended with its headers, as gRPC's trailers-only answers do) is the whole response:
   * forwarded as one message, so an HTTP/2 client gets it as one frame too.
   */
  private boolean onResponseHead(HttpResponse response) {
    if (phase != RequestPhase.PROXYING) {
      return false;
    }
    if (response.decoderResult().isFailure()) {
      upstreamFailed(
          GatewayAnswer.MALFORMED_RESPONSE,
          "the instance sent a malformed response",
          response.decoderResult().cause());
      return false;
    }
    int status = response.status().code();
    boolean upgraded = status == 101 && context.webSocket();
    if (status < 200 && !upgraded) {
      return false; // informational (100 Continue was the gateway's to send): not forwarded
    }
    HttpHeaders h = response.headers();
    if (rev.config.http2()) {
      Http2.dropExtensionHeaders(h);
      // Netty's client does not hold an app's HTTP/2 framing to its Content-Length (a HEAD answer
      // may carry one), so an HTTP/1.1 client gets the body chunked: never a length the bytes
      // that follow might not match. A body where none may be (HEAD, 204, 304) is dropped.
      dropBody = !context.responseHasBody(status);
      if (!dropBody && !conn.http2()) {
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
      }
    }
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
    head = null; // a response began: the request is never sent again
    dropKept();
    responseStatus = status;
    responseStarted = true;
    activity = true;
    phase = RequestPhase.RESPONDING;
    if (response instanceof FullHttpResponse full) {
      responseEnded(full);
      return true;
    }
    conn.channel.write(response, conn.channel.voidPromise());
    if (upgraded) {
      conn.channel.flush();
      startTunnel();
    } else {
      clientDirty = true;
    }
    return true;
  }

  private void onResponseBody(HttpContent content) {
    if (phase != RequestPhase.RESPONDING) {
      content.release();
      return;
    }
    if (content.decoderResult().isFailure()) {
      content.release();
      upstreamFailed(
          GatewayAnswer.MALFORMED_RESPONSE,
          "the instance sent a malformed response",
          content.decoderResult().cause());
      return;
    }
    if (content.content().isReadable()) {
      activity = true;
    }
    if (dropBody) {
      content.release();
      if (content instanceof LastHttpContent) {
        responseEnded(LastHttpContent.EMPTY_LAST_CONTENT);
      }
      return;
    }
    if (content instanceof LastHttpContent last) {
      responseEnded(last);
      return;
    }
    conn.channel.write(content, conn.channel.voidPromise());
    clientDirty = true;
    if (!conn.channel.isWritable() && upstream != null) {
      upstreamPaused = true; // the client is the slow one
      upstream.channel.config().setAutoRead(false);
    }
  }

  /** The last part of the response ({@code last}, which may be the whole of it) is here. */
  private void responseEnded(LastHttpContent last) {
    if (!conn.http2() || !rev.config.http2()) {
      dropTrailers(last);
    }
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
    if (conn.http2()) {
      conn.lastWrite = conn.channel.writeAndFlush(last); // a stream ends once this has left
    } else {
      conn.channel.writeAndFlush(last, conn.channel.voidPromise());
    }
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
    if (phase == RequestPhase.PROXYING && head != null) {
      // head and body are kept only while resendable; attach() sends the head, then what is
      // pending: the body parts sent so far (the rest follows as it arrives), or the end of none
      if (context.hasBody()) {
        pending = kept;
        kept = null;
      } else if (requestEnded) {
        pending = new ArrayDeque<>(1);
        pending.add(LastHttpContent.EMPTY_LAST_CONTENT);
      }
      requestSent = false;
      upstreamDirty = false;
      if (resend()) {
        return;
      }
      dropPending();
    }
    upstreamFailed(
        GatewayAnswer.UPSTREAM_CLOSED,
        "the instance closed the connection or failed before a complete response",
        null);
  }

  // ---- the gateway's own answers

  /**
   * The gateway's own answer to this request, explained ({@link Gateway#answered}). When its body
   * has not been read, nothing after it is read either and the connection closes once the answer is
   * sent.
   */
  final void respond(GatewayAnswer answer, String body) {
    respond(answer, body, body, null);
  }

  /** Likewise, logged as {@code detail} (the body may say more than the log line needs). */
  final void respond(GatewayAnswer answer, String body, String detail, Throwable cause) {
    if (responseStarted || !conn.channel.isActive()) {
      return;
    }
    boolean bodyUnread = context.hasBody() && !requestEnded;
    if (bodyUnread) {
      conn.stopReading();
    }
    responseStarted = true;
    statusSent = answer.status;
    conn.reply(
        context.version(),
        answer.status,
        body,
        bodyUnread || !context.keepAlive(),
        answer.retryAfter() ? gw.retryAfter : null);
    gw.answered(answer, rev, instanceId(), detail, cause);
  }

  /** Gives back the body parts never sent, and the copies kept; at the end of the request. */
  final void dropPending() {
    if (pending != null) {
      pending.forEach(HttpContent::release);
      pending = null;
    }
    dropKept();
  }
}
