// Wiring only: each export binds an event to a domain module. Logic lives in the modules.
import { setGlobalOptions } from "firebase-functions/v2";
import { region } from "./config";

setGlobalOptions({ region, maxInstances: 20 });
