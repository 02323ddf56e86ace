from setuptools import find_packages, setup

package_name = 'fracturescope_broker'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='FractureScope maintainers',
    maintainer_email='maintainers@fracturescope.dev',
    description='Embedded MQTT broker (amqtt) for the operator link where no broker runs.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'embedded_broker = fracturescope_broker.nodes.embedded_broker:main',
            'fracturescope-broker-passwd = fracturescope_broker.password_file:main',
        ],
    },
)
