import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoAPI
@testable import FunkoApp
@testable import FunkoCore
@testable import FunkoData
@testable import FunkoHandlers
@testable import FunkoModel
@testable import FunkoStore
@testable import LambdaEvents
@testable import LambdaRuntime
@testable import RetrainHandler

@Suite(.serialized, .ownThread) struct HandlerTests {
    @Test(arguments: SampleEvent.all) func sampleEventGetsTheDocumentedAnswer(_ sample: SampleEvent) throws {
        let function = try HandlerFixture.shared.function(sample.function)
        let context = testContext()
        do {
            let answer = try function.handle(sample.bytes, context: context)
            #expect(sample.functionError == nil, "expected a function error")
            let body: String
            if let status = sample.status {
                let result = try HTTPResult.decode(answer)
                #expect(result.status == status)
                #expect(result.headers["content-type"] == "application/json")
                #expect(result.headers["x-request-id"] == context.requestID)
                body = String(decoding: result.body, as: UTF8.self)
                if status >= 400 { #expect(body.contains(#""request_id":"\#(context.requestID)""#)) }
            } else {
                body = String(decoding: answer, as: UTF8.self)
            }
            for fragment in sample.contains {
                #expect(body.contains(fragment), "\(fragment) not in \(body.prefix(400))")
            }
        } catch let e as FunkoError {
            #expect(sample.functionError == e.errorType, "\(e)")
            for fragment in sample.contains {
                #expect(e.message.contains(fragment.replacingOccurrences(of: #"\""#, with: "\"")))
            }
        }
    }

    @Test func predictionAnswersHaveTheSpecFieldsAndTypes() throws {
        let function = try HandlerFixture.shared.function("predict")
        let result = try HTTPResult.decode(try function.handle(SampleEvent.all[0].bytes, context: testContext()))
        let p = try JSON.decode(Prediction.self, from: result.body)  // every field present with its type
        #expect(p.priceRange.min <= p.predictedPrice)
        #expect(p.predictedPrice <= p.priceRange.max)
        #expect((0...1).contains(p.confidenceScore))
        #expect(p.modelVersion == "fixture")
        let batch = try JSON.decode(
            BatchPredictionResponse.self,
            from: try HTTPResult.decode(
                try HandlerFixture.shared.function("predict-batch").handle(
                    SampleEvent.all[6].bytes, context: testContext())
            ).body)
        #expect(batch.predictions.count == 4)
        #expect(batch.errors.map(\.funkoPopID) == ["99999"])
        let history = try JSON.decode(
            HistoryResponse.self,
            from: try HTTPResult.decode(
                try HandlerFixture.shared.function("history").handle(SampleEvent.all[7].bytes, context: testContext())
            ).body)
        #expect(history.days == 90)
        #expect(history.summary.count == history.sales.count)
    }

    @Test func aFunctionAnswersOnlyItsOwnRoutes() throws {
        let predict = try HandlerFixture.shared.function("predict")
        // SampleEvent.all[7] is GET /history.
        let result = try HTTPResult.decode(try predict.handle(SampleEvent.all[7].bytes, context: testContext()))
        #expect(result.status == 404)
        #expect(String(decoding: result.body, as: UTF8.self).contains("this function serves POST /predict"))
        #expect(throws: FunkoError.self) { try predict.handle(SampleEvent.retrain[0].bytes, context: testContext()) }
    }

    @Test func pathParametersDecodeOnlyTwoHexDigitEscapes() {
        #expect(Route.history.match("/history/10%20001") == ["funko_pop_id": "10 001"])
        #expect(Route.history.match("/history/%e2%9c%93") == ["funko_pop_id": "\u{2713}"])
        // Signs and short or invalid escapes stay as they are (`%+4` once decoded to U+0004).
        for kept in ["%+4", "%-0", "%4", "%zz", "a%"] {
            #expect(Route.history.match("/history/\(kept)") == ["funko_pop_id": kept])
        }
    }

    @Test func withoutAModelPredictionsAre503AndHealthSaysWhy() throws {
        let dir = try TempDir()
        var configuration = try HandlerFixture.shared.configuration
        configuration.artifactFolder = dir.path
        let predict = try HandlerFixture.shared.function("predict", configuration: configuration)
        let r = try HTTPResult.decode(try predict.handle(SampleEvent.all[0].bytes, context: testContext()))
        #expect(r.status == 503)
        #expect(String(decoding: r.body, as: UTF8.self).contains("no trained model is available"))
        let status = try HandlerFixture.shared.function("status", configuration: configuration)
        let h = try HTTPResult.decode(
            try status.handle(Files.read("\(packageRoot)/events/health.json"), context: testContext()))
        #expect(h.status == 503)
        #expect(String(decoding: h.body, as: UTF8.self).contains("no trained model"))
    }

    @Test func eventsAreRecognisedByShape() throws {
        for (file, kind) in [
            ("predict.json", "http"), ("predict-rest-v1.json", "http"), ("predict-function-url.json", "http"),
            ("retrain-schedule.json", "eventBridge"), ("predict-direct.json", "direct"),
            ("retrain-manual.json", "direct"),
        ] {
            let e = try LambdaEvent.parse(try Files.read("\(packageRoot)/events/\(file)"))
            switch e {
            case .http(let h):
                #expect(kind == "http", "\(file)")
                #expect(h.method == "POST")
            case .eventBridge(let b):
                #expect(kind == "eventBridge", "\(file)")
                #expect(b.isSchedule, "\(file)")
            case .direct: #expect(kind == "direct", "\(file)")
            }
        }
        if case .http(let v1) = try LambdaEvent.parse(try Files.read("\(packageRoot)/events/predict-rest-v1.json")) {
            #expect(v1.format == .v1)
            #expect(v1.path == "/predict")
        } else {
            Issue.record("predict-rest-v1.json is not an HTTP event")
        }
        if case .http(let b64) = try LambdaEvent.parse(
            try Files.read("\(packageRoot)/events/predict-base64-body.json"))
        {
            #expect(String(decoding: b64.body, as: UTF8.self).contains("10003"))
        } else {
            Issue.record("predict-base64-body.json is not an HTTP event")
        }
        // funko serve's events round-trip through the same parser.
        let local = HTTPEvent(
            method: "GET", path: "/history/10001", query: ["days": "30"], headers: ["accept": "application/json"])
        guard case .http(let back) = try LambdaEvent.parse(try local.encodedV2(requestID: "r", time: 0)) else {
            Issue.record("not http")
            return
        }
        #expect(back.path == "/history/10001")
        #expect(back.query == ["days": "30"])
        #expect(back.method == "GET")
    }

    @Test func binaryResponseBodiesTravelBase64Encoded() throws {
        let r = HTTPResult(status: 200, headers: [:], body: [0xFF, 0x00, 0x10])
        let encoded = String(decoding: try r.encoded(for: .v2), as: UTF8.self)
        #expect(encoded.contains(#""isBase64Encoded":true"#))
        #expect(try HTTPResult.decode(Array(encoded.utf8)).body == [0xFF, 0x00, 0x10])
    }

    /// The answer envelope is written by JSONValue, not JSONEncoder: the same bytes.
    @Test func answerEnvelopesAreWhatJSONEncoderWrites() throws {
        let bodies: [[UInt8]] = [
            [], Array(#"{"sales":[{"price":12.5,"note":"a \"quoted\" \\ path/with/slashes\n"}]}"#.utf8),
            Array("é 漢字 🦄 \u{01}\u{1F}".utf8), [0xFF, 0x00, 0x10],
        ]
        for body in bodies {
            for status in [200, 404, 503] {
                let r = HTTPResult(
                    status: status, headers: ["content-type": "application/json", "x-b": "1"], body: body)
                let text = String(decoding: body, as: UTF8.self)
                let isText = Array(text.utf8) == body
                let expected = try JSON.encode(
                    HTTPResult.EncodedResult(
                        statusCode: status, headers: r.headers,
                        body: isText ? text : Data(body).base64EncodedString(), isBase64Encoded: !isText))
                #expect(String(decoding: try r.encoded(for: .v2), as: UTF8.self) == expected)
            }
        }
    }

    /// A browser on an allowed origin gets CORS answers: preflights name the route's methods, and
    /// answers carry the origin back; every other origin gets no CORS header and a 403 preflight.
    @Test func corsAnswersOnlyTheConfiguredOrigins() throws {
        var configuration = try HandlerFixture.shared.configuration
        configuration.corsOrigins = ["https://app.example.com"]
        let history = try HandlerFixture.shared.function("history", configuration: configuration)
        func send(_ method: String, _ path: String, _ headers: [String: String]) throws -> HTTPResult {
            let event = try HTTPEvent(method: method, path: path, headers: headers).encodedV2(requestID: "r", time: 0)
            return try HTTPResult.decode(try history.handle(event, context: testContext()))
        }
        let preflight = try send(
            "OPTIONS", "/pops",
            [
                "origin": "https://app.example.com", "access-control-request-method": "GET",
                "access-control-request-headers": "content-type",
            ])
        #expect(preflight.status == 204)
        #expect(preflight.body.isEmpty)
        #expect(preflight.headers["access-control-allow-origin"] == "https://app.example.com")
        #expect(preflight.headers["access-control-allow-methods"] == "GET, OPTIONS")
        #expect(preflight.headers["access-control-allow-headers"] == "content-type, accept")
        #expect(preflight.headers["access-control-max-age"] == "600")
        #expect(preflight.headers["vary"] == "origin")

        let get = try send("GET", "/pops/10001", ["origin": "https://app.example.com"])
        #expect(get.status == 200)
        #expect(get.headers["access-control-allow-origin"] == "https://app.example.com")
        #expect(get.headers["access-control-expose-headers"] == "x-request-id")

        let stranger = try send(
            "OPTIONS", "/pops", ["origin": "https://evil.example", "access-control-request-method": "GET"])
        #expect(stranger.status == 403)
        #expect(stranger.headers["access-control-allow-origin"] == nil)
        #expect(String(decoding: stranger.body, as: UTF8.self).contains("origin https://evil.example may not call"))
        let strangerGet = try send("GET", "/pops/10001", ["origin": "https://evil.example"])
        #expect(strangerGet.status == 200)
        #expect(strangerGet.headers["access-control-allow-origin"] == nil)
        let unknownPath = try send(
            "OPTIONS", "/nowhere", ["origin": "https://app.example.com", "access-control-request-method": "GET"])
        #expect(unknownPath.status == 404)

        // Without configured origins (the default) there is no CORS at all.
        let plain = try HandlerFixture.shared.function("history")
        let event = try HTTPEvent(method: "GET", path: "/pops/10001", headers: ["origin": "https://app.example.com"])
            .encodedV2(requestID: "r", time: 0)
        let answer = try HTTPResult.decode(try plain.handle(event, context: testContext()))
        #expect(answer.status == 200)
        #expect(answer.headers["access-control-allow-origin"] == nil)
    }

    @Test func corsOriginsAreExactOriginsNeverAWildcard() throws {
        let c = try AppConfiguration.fromEnvironment([
            "CORS_ALLOWED_ORIGINS": " https://a.example.com, http://localhost:8000 "
        ])
        #expect(c.corsOrigins == ["https://a.example.com", "http://localhost:8000"])
        for bad in ["*", "https://*.example.com", "https://a.example.com/app", "ftp://a.example.com", "https://"] {
            #expect(throws: FunkoError.self, "\(bad)") {
                try AppConfiguration.fromEnvironment(["CORS_ALLOWED_ORIGINS": bad])
            }
        }
    }

    /// Every validation error names its field, so the web app can show it next to the control.
    @Test func errorsNameTheirField() throws {
        let predict = try HandlerFixture.shared.function("predict")
        for (body, field) in [
            (#"{"funko_pop_id":"10001","future_days":400}"#, "future_days"),
            (#"{"funko_pop_id":"10001","condition":"shiny"}"#, "condition"),
            (#"{"funko_pop_id":"10001","marketplace":"moon"}"#, "marketplace"),
            (#"{"condition":"mint"}"#, "funko_pop_id"),
            (#"{"funko_pop_id":"10001","future_days":"soon"}"#, "future_days"),
        ] {
            let event = try HTTPEvent(method: "POST", path: "/predict", body: Array(body.utf8))
                .encodedV2(requestID: "r", time: 0)
            let answer = try HTTPResult.decode(try predict.handle(event, context: testContext()))
            #expect(answer.status == 400, "\(body)")
            let error = try JSON.decode(ErrorBody.self, from: answer.body).error
            #expect(error.field == field, "\(body): \(error.message)")
        }
        let history = try HandlerFixture.shared.function("history")
        let event = try HTTPEvent(method: "GET", path: "/history/10001", query: ["days": "0"])
            .encodedV2(requestID: "r", time: 0)
        let answer = try HTTPResult.decode(try history.handle(event, context: testContext()))
        #expect(try JSON.decode(ErrorBody.self, from: answer.body).error.field == "days")
    }
}
