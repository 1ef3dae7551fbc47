# The production image: Airflow 3.3.2 with this project installed from the lock.
FROM apache/airflow:3.3.2-python3.11

USER root
# A Japanese font for the release's figures and report.pdf (embedded in the PDF at publish time).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
COPY --chown=airflow:0 . /opt/wifi-footfall
USER airflow
# The lock pins every package, Airflow's own included; the editable install keeps sql/ and maps/
# beside the package where pipeline.config finds them.
RUN pip install --no-cache-dir -r /opt/wifi-footfall/requirements.lock \
 && pip install --no-cache-dir --no-deps -e /opt/wifi-footfall
