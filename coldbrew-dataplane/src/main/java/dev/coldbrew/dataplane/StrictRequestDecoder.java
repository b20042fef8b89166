package dev.coldbrew.dataplane;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Vert.x's request decoder, made strict about framing: a request with both {@code Content-Length}
 * and {@code Transfer-Encoding} is marked failed, which Vert.x answers with 400 and a closed
 * connection (RFC 9112 §6.1: the server may reject it and must close). Netty alone would drop the
 * {@code Content-Length} and carry on. It replaces Vert.x's {@code httpDecoder} in each new
 * connection's pipeline; that is Vert.x 5.0 internals, so if the pipeline is not shaped as expected
 * the connection keeps Netty's lenient behaviour. One instance per connection, confined to its
 * event loop.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {
  private static final String NAME = "httpDecoder";

  private StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  /** Installs the strict decoder on a just-opened connection; false if it could not. */
  static boolean install(Object connection, HttpServerOptions options) {
    if (!(connection instanceof ConnectionBase base)) {
      return false;
    }
    var pipeline = base.channel().pipeline();
    if (!(pipeline.get(NAME) instanceof VertxHttpRequestDecoder)) {
      return false;
    }
    pipeline.replace(NAME, NAME, new StrictRequestDecoder(options));
    return true;
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(
        DecoderResult.failure(
            new IllegalArgumentException("both Content-Length and Transfer-Encoding")));
  }
}
