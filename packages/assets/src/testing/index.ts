export { FakeAssetService, type FakeAssetServiceOptions } from "./fake-asset-service.js";
