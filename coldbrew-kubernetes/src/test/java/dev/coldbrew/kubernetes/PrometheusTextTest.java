package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Reading the queue's gauges from Prometheus' text format, and refusing what is not that. */
class PrometheusTextTest {
  private static final String QUEUE =
      """
      # HELP queue_average_concurrent_requests Average of requests currently being handled
      # TYPE queue_average_concurrent_requests gauge
      queue_average_concurrent_requests{configuration_name="hello",namespace_name="default",\
      pod_name="hello-00001-deployment-0",revision_name="hello-00001",service_name="hello"} 2.5
      queue_average_proxied_concurrent_requests{pod_name="p"} 0.5
      queue_requests_per_second{pod_name="p",label_with_brace="a}b \\" c"} 12 1700000000000
      queue_proxied_operations_per_second{pod_name="p"} 1e0
      process_cpu_seconds_total 3.2
      go_goroutines 44
      queue_requests_per_second{pod_name="second-sample-ignored"} 99
      """;

  @Test
  void readsTheFourGaugesWhateverTheirLabelsAndSkipsTheRest() {
    QueueStats s = PrometheusText.queueStats(QUEUE);
    assertThat(s).isEqualTo(new QueueStats(2.5, 0.5, 12, 1));
  }

  @Test
  void aMissingGaugeIsNamed() {
    String text = QUEUE.replace("queue_proxied_operations_per_second", "something_else");
    assertThatThrownBy(() -> PrometheusText.queueStats(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no queue_proxied_operations_per_second sample in the stats (expected: one)");
    assertThatThrownBy(() -> PrometheusText.queueStats(""))
        .hasMessageContaining("no queue_average_concurrent_requests sample");
  }

  @Test
  void badValuesNameTheMetricTheValueAndTheLine() {
    assertThatThrownBy(() -> PrometheusText.queueStats(QUEUE.replace("} 2.5", "} NaN")))
        .hasMessageContaining("queue_average_concurrent_requests: NaN on line 3")
        .hasMessageContaining("expected: a finite number >= 0");
    assertThatThrownBy(() -> PrometheusText.queueStats(QUEUE.replace("} 2.5", "} -1")))
        .hasMessageContaining("queue_average_concurrent_requests: -1");
    assertThatThrownBy(() -> PrometheusText.queueStats(QUEUE.replace("} 2.5", "} +Inf")))
        .hasMessageContaining("+Inf");
    assertThatThrownBy(() -> PrometheusText.queueStats(QUEUE.replace("} 2.5", "} two")))
        .hasMessageContaining("line 3")
        .hasMessageContaining("expected: a number as the value");
  }

  @Test
  void malformedLinesAreRefusedWithTheLine() {
    assertThatThrownBy(() -> PrometheusText.queueStats("{a=\"b\"} 1\n"))
        .hasMessageContaining("line 1")
        .hasMessageContaining("expected: a metric name");
    assertThatThrownBy(() -> PrometheusText.queueStats("queue_requests_per_second{a=\"b\" 1\n"))
        .hasMessageContaining("expected: labels closed by '}'");
    assertThatThrownBy(() -> PrometheusText.queueStats("x 1\nqueue_requests_per_second\n"))
        .hasMessageContaining("line 2")
        .hasMessageContaining("expected: a value after the metric name and labels");
    String longLine = "9".repeat(500);
    assertThatThrownBy(() -> PrometheusText.queueStats(longLine))
        .hasMessageContaining("…")
        .message()
        .hasSizeLessThan(250);
  }
}
