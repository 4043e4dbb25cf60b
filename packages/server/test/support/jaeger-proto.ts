// Jaeger's api_v2 messages for tests that send Jaeger gRPC PostSpans (protobufjs, no generated code).
import protobuf from 'protobufjs';

// Field numbers of jaegertracing/jaeger-idl proto/api_v2 model.proto and collector.proto.
export const JAEGER_PROTO = protobuf.parse(`
  syntax = "proto3";
  package jaeger.api_v2;
  message Timestamp { int64 seconds = 1; int32 nanos = 2; }
  message KeyValue { string key = 1; int32 v_type = 2; string v_str = 3; bool v_bool = 4; int64 v_int64 = 5; double v_float64 = 6; bytes v_binary = 7; }
  message Log { Timestamp timestamp = 1; repeated KeyValue fields = 2; }
  message SpanRef { bytes trace_id = 1; bytes span_id = 2; int32 ref_type = 3; }
  message Process { string service_name = 1; repeated KeyValue tags = 2; }
  message Span {
    bytes trace_id = 1; bytes span_id = 2; string operation_name = 3; repeated SpanRef references = 4; uint32 flags = 5;
    Timestamp start_time = 6; Timestamp duration = 7; repeated KeyValue tags = 8; repeated Log logs = 9; Process process = 10;
  }
  message Batch { repeated Span spans = 1; Process process = 2; }
  message PostSpansRequest { Batch batch = 1; }
`).root;
