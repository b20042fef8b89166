package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class Http2Test {
  @Test
  void grpcTimeoutIsReadInEachUnit() {
    assertThat(Http2.grpcTimeoutNanos("2H")).isEqualTo(TimeUnit.HOURS.toNanos(2));
    assertThat(Http2.grpcTimeoutNanos("3M")).isEqualTo(TimeUnit.MINUTES.toNanos(3));
    assertThat(Http2.grpcTimeoutNanos("10S")).isEqualTo(TimeUnit.SECONDS.toNanos(10));
    assertThat(Http2.grpcTimeoutNanos("250m")).isEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
    assertThat(Http2.grpcTimeoutNanos("99999999u")).isEqualTo(99_999_999_000L);
    assertThat(Http2.grpcTimeoutNanos("7n")).isEqualTo(7);
    assertThat(Http2.grpcTimeoutNanos("0m")).isEqualTo(1); // already over: as short as can be
  }

  @Test
  void aMalformedGrpcTimeoutIsNoDeadline() {
    for (String bad :
        new String[] {
          null, "", "S", "10", "10s", "10 S", "-1S", "123456789S", "1.5S", "１S", "10SS"
        }) {
      assertThat(Http2.grpcTimeoutNanos(bad)).as(String.valueOf(bad)).isZero();
    }
  }
}
