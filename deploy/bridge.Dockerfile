# The xDS bridge as an in-cluster container.
#   docker build -f deploy/bridge.Dockerfile -t edgeplane-bridge .
# It carries only what the bridge needs: the shared contract, the generated
# protobuf code and src/xds-bridge, run from TypeScript by tsx (no build step,
# no Worker code, no wrangler).
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production \
    EDGEPLANE_ADS_HOST=0.0.0.0 \
    EDGEPLANE_ADS_PORT=18000 \
    EDGEPLANE_CACHE_DIR=/var/lib/edgeplane/cache
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY bin/edgeplane-bridge.js bin/
COPY src/contract src/contract
COPY gen gen
COPY src/xds-bridge src/xds-bridge
RUN mkdir -p /var/lib/edgeplane/cache && chown -R node:node /var/lib/edgeplane
USER node
EXPOSE 18000
ENTRYPOINT ["node", "bin/edgeplane-bridge.js"]
