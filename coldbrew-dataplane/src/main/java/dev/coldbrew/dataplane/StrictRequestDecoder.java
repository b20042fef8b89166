package dev.coldbrew.dataplane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.List;

/**
 * Vert.x's request decoder, made strict about framing and able to stop. A request with both {@code
 * Content-Length} and {@code Transfer-Encoding} is marked failed (Netty 4.2's RFC 9112 mode already
 * refuses it; this keeps the rule if that mode is switched off), which Vert.x answers with 400.
 * Once {@link #stop() stopped} — by that failure, or by the gateway when it rejects a request — the
 * decoder discards every further byte of the connection, so nothing sent after a rejected request
 * (a smuggled second request, say) is ever decoded or dispatched; the connection is closed once the
 * rejection is flushed. It replaces Vert.x's {@code httpDecoder} in each new connection's pipeline;
 * that is Vert.x 5.0 internals, so if the pipeline is not shaped as expected the connection keeps
 * Vert.x's own decoder (the gateway then still drops requests after a rejection, see {@code
 * DataPlane}). One instance per connection, confined to its event loop.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {
  private static final String NAME = "httpDecoder";

  private boolean stopped;

  private StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  /** Installs the strict decoder on a just-opened connection; null if it could not. */
  static StrictRequestDecoder install(Object connection, HttpServerOptions options) {
    if (!(connection instanceof ConnectionBase base)) {
      return null;
    }
    var pipeline = base.channel().pipeline();
    if (!(pipeline.get(NAME) instanceof VertxHttpRequestDecoder)) {
      return null;
    }
    StrictRequestDecoder decoder = new StrictRequestDecoder(options);
    pipeline.replace(NAME, NAME, decoder);
    return decoder;
  }

  /** Decodes nothing more on this connection. Call on its event loop. */
  void stop() {
    stopped = true;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
      throws Exception {
    if (stopped) {
      buffer.skipBytes(buffer.readableBytes());
      return;
    }
    super.decode(ctx, buffer, out);
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
      throws Exception {
    if (stopped) {
      buffer.skipBytes(buffer.readableBytes());
      return;
    }
    super.decodeLast(ctx, buffer, out);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(
        DecoderResult.failure(
            new IllegalArgumentException("both Content-Length and Transfer-Encoding")));
    stopped = true;
  }
}
