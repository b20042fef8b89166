package dev.coldbrew.dataplane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import java.util.List;

/**
 * Netty's request decoder, made strict about framing and able to stop. A request with both {@code
 * Content-Length} and {@code Transfer-Encoding} is marked failed (Netty's RFC 9112 mode already
 * refuses it; this keeps the rule if that mode is switched off), which the gateway answers with
 * 400. Duplicate {@code Content-Length} lines fail in Netty itself, as do malformed chunks, after
 * which Netty discards the rest of the connection. Once {@link #stop() stopped} — by such a
 * failure, or by the gateway when it refuses a request or answers one whose body it has not read —
 * the decoder discards every further byte of the connection, so nothing sent after such a request
 * (a smuggled second request, say) is ever decoded or dispatched; the connection is closed once the
 * answer is flushed. One instance per connection, confined to its event loop.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
  private boolean stopped;

  StrictRequestDecoder(HttpDecoderConfig config) {
    super(config);
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
